//! The error of `updraft-websocket`.

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};

/// Why a push, a read or a disconnect failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection is gone (API Gateway answered 410): delete it from your store. The
    /// field is the connection id.
    #[error("the connection is gone")]
    Gone(String),

    /// The payload is over API Gateway's 128 KB; nothing was sent.
    #[error("the payload is {size} bytes; API Gateway takes at most {max}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },

    /// The domain, stage or base path cannot make an endpoint.
    #[error("invalid websocket endpoint: {0}")]
    InvalidEndpoint(String),

    /// The message could not be serialised as JSON.
    #[error("cannot serialise the message: {0}")]
    Json(#[from] serde_json::Error),

    /// The Management API call failed otherwise.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl Error {
    /// Whether the connection is gone.
    #[must_use]
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Gone(_))
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Gone(_) => Kind::NotFound,
            Error::TooLarge { .. } | Error::Json(_) => Kind::BadInput,
            Error::InvalidEndpoint(_) => Kind::Config,
            Error::Aws(error) => error.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Gone(_) => "updraft.websocket.Gone",
            Error::TooLarge { .. } => "updraft.websocket.TooLarge",
            Error::InvalidEndpoint(_) => "updraft.websocket.InvalidEndpoint",
            Error::Json(_) => "updraft.websocket.Json",
            Error::Aws(_) => "updraft.websocket.Aws",
        }
    }
}
