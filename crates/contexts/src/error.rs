//! The error of `updraft-contexts`: what stops a context from starting or running.
//!
//! Errors *inside* a request never end up here: they become HTTP responses
//! ([`crate::http::ApiError`]) or Lambda diagnostics.

use updraft_core::error::{Kind, Surface};

/// Why a context could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration variable is missing or malformed.
    #[error(transparent)]
    Config(#[from] updraft_core::Error),

    /// The local server could not listen on its address.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },

    /// The local server stopped with an I/O error.
    #[error("the local server failed: {0}")]
    Serve(#[source] std::io::Error),

    /// The Lambda runtime loop stopped with an error.
    #[error("the Lambda runtime failed: {0}")]
    Runtime(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// An event is not one this context serves.
    #[error("unrecognised event: {reason}")]
    UnrecognizedEvent {
        /// What did not match.
        reason: String,
    },

    /// The local SQS poller could not receive or delete messages.
    #[error("polling the queue failed: {0}")]
    Poll(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// An OpenAPI spec could not be loaded, or does not match the handlers bound to it.
    #[cfg(feature = "openapi")]
    #[error(transparent)]
    OpenApi(#[from] crate::http::openapi::SpecError),

    /// A handler run from the command line failed.
    #[error("the handler failed: {error_type}: {message}")]
    Handler {
        /// The diagnostic's error type.
        error_type: String,
        /// The diagnostic's message.
        message: String,
    },
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Config(e) => e.kind(),
            Error::Bind { .. } => Kind::Config,
            Error::Serve(_) | Error::Runtime(_) | Error::Poll(_) => Kind::Unavailable,
            Error::UnrecognizedEvent { .. } => Kind::BadInput,
            Error::Handler { .. } => Kind::Internal,
            #[cfg(feature = "openapi")]
            Error::OpenApi(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Config(e) => e.error_type(),
            Error::Bind { .. } => "updraft.contexts.Bind",
            Error::Serve(_) => "updraft.contexts.Serve",
            Error::Runtime(_) => "updraft.contexts.Runtime",
            Error::Poll(_) => "updraft.contexts.Poll",
            Error::UnrecognizedEvent { .. } => "updraft.contexts.UnrecognizedEvent",
            Error::Handler { .. } => "updraft.contexts.Handler",
            #[cfg(feature = "openapi")]
            Error::OpenApi(e) => e.error_type(),
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(error: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_diagnostics_with_stable_types() {
        let diagnostic: lambda_runtime::Diagnostic = Error::UnrecognizedEvent {
            reason: "not an HTTP event".into(),
        }
        .into();
        assert_eq!(diagnostic.error_type, "updraft.contexts.UnrecognizedEvent");
        assert!(diagnostic.error_message.contains("not an HTTP event"));
        let config = Error::from(updraft_core::Error::MissingVar {
            name: "PORT".into(),
        });
        assert_eq!(config.error_type(), "updraft.core.MissingVar");
        assert_eq!(config.kind(), Kind::Config);
    }
}
