//! The error of `updraft-config-crypto`.

use updraft_core::error::{Kind, Surface};

/// Why a configuration could not be read, closed, opened or rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file breaks the format: the message names the path in it.
    #[error("{path}: {reason}")]
    Format {
        /// Where in the file, such as `config.db.password` or `stages./dev-.*/`.
        path: String,
        /// What is wrong. Never quotes a secret.
        reason: String,
    },

    /// No definition in `stages` covers this stage.
    #[error("no stage definition covers `{0}`")]
    UnknownStage(String),
}

impl Error {
    pub(crate) fn format(path: &str, reason: &str) -> Self {
        Self::Format {
            path: path.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Format { .. } | Error::UnknownStage(_) => Kind::Config,
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Format { .. } => "config.Format",
            Error::UnknownStage(_) => "config.UnknownStage",
        }
    }
}
