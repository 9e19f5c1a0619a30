//! The error of `updraft-rds-iam-auth`. No variant holds a token or a password.

use std::path::PathBuf;

use updraft_core::error::{Kind, Surface};

/// Why a token, settings or a pool could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A variable, or a setting made in code, is missing or malformed: core's
    /// `MissingVar` or `InvalidVar`, naming the variable (its lower-case form; the upper-case
    /// form is read too) and, for a missing one, what it should hold.
    #[error(transparent)]
    Config(#[from] updraft_core::Error),

    /// The engine is not one this crate connects to (or its cargo feature is off).
    #[error("{name}: unknown database engine `{value}` (use postgres or mysql)")]
    UnknownEngine {
        /// The variable, or `engine` when set in code.
        name: &'static str,
        /// The engine named.
        value: String,
    },

    /// The CA bundle cannot be used.
    #[error("the CA bundle {}: {reason}", path.display())]
    CaBundle {
        /// Its path.
        path: PathBuf,
        /// Why: unreadable (missing, a directory, no permission), or holding no certificate.
        reason: String,
        /// The I/O error, when it could not be read.
        #[source]
        source: Option<std::io::Error>,
    },

    /// A token could not be signed (no credentials, no region).
    ///
    /// A server fault, never a 401: 503 when it may pass later (the credentials provider
    /// timed out or failed to answer), 500 when the process is misconfigured.
    #[error("cannot make an RDS auth token: {reason}")]
    Token {
        /// Why, without any secret.
        reason: String,
        /// Whether a later attempt may succeed.
        transient: bool,
        /// The signer's error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// TLS refused the database server: its certificate is not signed by the CA bundle or
    /// not for its host name, or it does not offer TLS. A fault of the configuration (500).
    #[error("the database server was refused: {reason}")]
    Tls {
        /// Why, as the TLS handshake said.
        reason: String,
    },

    /// The database refused the connection, or could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            // A connection that drops (even mid-handshake, which sqlx reports as a protocol
            // error) or a pool out of time may pass on a retry.
            Error::Token {
                transient: true, ..
            }
            | Error::Connect(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => Kind::Unavailable,
            Error::Config(error) => error.kind(),
            Error::UnknownEngine { .. }
            | Error::CaBundle { .. }
            | Error::Token { .. }
            | Error::Tls { .. }
            | Error::Connect(sqlx::Error::Tls(_) | sqlx::Error::Configuration(_)) => Kind::Config,
            Error::Connect(_) => Kind::Internal,
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Config(error) => error.error_type(),
            Error::UnknownEngine { .. } => "updraft.rds.UnknownEngine",
            Error::CaBundle { .. } => "updraft.rds.CaBundle",
            Error::Token { .. } => "updraft.rds.Token",
            Error::Tls { .. } => "updraft.rds.Tls",
            Error::Connect(_) => "updraft.rds.Connect",
        }
    }
}
