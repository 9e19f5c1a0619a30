//! The error of `updraft-config-crypto`.

use updraft_core::error::{Kind, Surface};

/// Why a configuration could not be read, closed, opened or rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A core error: a missing `UPDRAFT_STAGE`, AWS configuration that does not load.
    #[error(transparent)]
    Core(#[from] updraft_core::Error),

    /// The file breaks the format: the message names the path in it.
    #[error("{path}: {reason}")]
    Format {
        /// Where in the file, such as `config.db.password` or `stages./dev-.*/`.
        path: String,
        /// What is wrong. Never quotes a secret.
        reason: String,
    },

    /// A KMS call failed: access refused, a key that does not exist, a data key moved from
    /// another file or stage (its encryption context does not match).
    #[error("KMS refused the data key of `{stage}`")]
    Kms {
        /// The stage definition (or the path of a fleece value).
        stage: String,
        /// The call's error.
        #[source]
        source: Box<updraft_core::aws::AwsError>,
    },

    /// A file could not be read or written.
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A stage's environment does not match fleece's `environments.yml`: it is not listed, or
    /// its KMS key lives in another account.
    #[error("stage `{stage}` (environment `{environment}`): {reason}")]
    Account {
        /// The stage definition.
        stage: String,
        /// Its environment.
        environment: String,
        /// What does not match.
        reason: String,
    },

    /// No definition in `stages` covers this stage.
    #[error("no stage definition covers `{0}`")]
    UnknownStage(String),
}

impl Error {
    /// A [`Error::Format`] at `path`.
    #[must_use]
    pub fn format(path: &str, reason: &str) -> Self {
        Self::Format {
            path: path.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

impl Error {
    /// This error with `file` named in front of its path, when it names only a path inside
    /// the file (`config.yml: config.db.password.+prod: …`).
    #[must_use]
    pub fn in_file(self, file: &std::path::Path) -> Self {
        match self {
            Error::Format { path, reason } => Error::Format {
                path: format!("{}: {path}", file.display()),
                reason,
            },
            other => other,
        }
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Format { .. }
            | Error::UnknownStage(_)
            | Error::Io { .. }
            | Error::Account { .. } => Kind::Config,
            Error::Core(error) => error.kind(),
            Error::Kms { source, .. } => source.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Format { .. } => "config.Format",
            Error::Core(error) => error.error_type(),
            Error::UnknownStage(_) => "config.UnknownStage",
            Error::Kms { .. } => "config.Kms",
            Error::Io { .. } => "config.Io",
            Error::Account { .. } => "config.Account",
        }
    }
}
