//! The error of `updraft-mongo-repo`, and how the driver's errors are classified.

use std::borrow::Cow;

use mongodb::error::{ErrorKind, WriteFailure};
use updraft_core::error::{Kind, Surface};

/// Why a connection, a repository call, an index sync or a proxied query failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A core error: the connection settings are missing or malformed (the error names the
    /// variable: `MONGODB_URI`, `MONGO_DB_HOST`, `EXTERNAL_MONGODB_CONNECTIONS`, …; it never
    /// quotes a password), or a state-scoped repository was used without a session state
    /// (`MissingSessionState`, 400).
    #[error(transparent)]
    Core(#[from] updraft_core::Error),

    /// No external cluster has this name in `EXTERNAL_MONGODB_CONNECTIONS`.
    #[error(
        "no external MongoDB cluster is named `{name}`; known: {}",
        list(known)
    )]
    UnknownCluster {
        /// The name asked for.
        name: String,
        /// The names that are configured.
        known: Vec<String>,
    },

    /// `MONGO_DB_NAME` is not set, and the default database was asked for.
    #[error("no default database: set MONGO_DB_NAME")]
    NoDefaultDatabase,

    /// The session's state cannot name a database: it breaks MongoDB's database-name rules,
    /// or it is not an active state in the states collection. Surfaced as 403: the caller
    /// chose it.
    #[error("the state `{state}` is not allowed: {reason}")]
    InvalidState {
        /// The state (a caller's value, checked to be printable before it is kept).
        state: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A declared index differs from the one of the same name (or the same keys) that the
    /// collection already has. The difference is named; nothing was changed.
    #[error(
        "index `{index}` of {database}.{collection} conflicts with the existing one: {difference}"
    )]
    IndexConflict {
        /// The database.
        database: String,
        /// The collection.
        collection: String,
        /// The declared index's name.
        index: String,
        /// What differs, such as `unique: existing false, declared true`.
        difference: String,
    },

    /// A write broke a unique index.
    #[error("a document with the same unique key already exists")]
    Duplicate(#[source] mongodb::error::Error),

    /// A proxied query was refused before it was sent: an operator or stage that is not
    /// allowed, a collection outside the whitelist, a malformed payload. The message names
    /// the operator or field.
    #[error("{0}")]
    Rejected(String),

    /// The answer of a proxied query would be larger than the limit.
    #[error("the result is larger than {limit} bytes; narrow the query or lower its limit")]
    ResponseTooLarge {
        /// The limit, in bytes of JSON.
        limit: usize,
    },

    /// A document could not be converted between BSON and the model type.
    #[error("cannot convert a document: {0}")]
    Convert(String),

    /// A driver call failed.
    #[error("MongoDB {operation} failed")]
    Driver {
        /// The operation, such as `find` or `createIndexes`.
        operation: &'static str,
        /// The driver's error (it may name databases and collections: log only).
        #[source]
        source: mongodb::error::Error,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none (EXTERNAL_MONGODB_CONNECTIONS is empty or unset)".to_owned()
    } else {
        names.join(", ")
    }
}

impl Error {
    /// The error of a failed driver call: a duplicate key becomes [`Error::Duplicate`].
    pub(crate) fn driver(operation: &'static str, source: mongodb::error::Error) -> Self {
        if server_code(&source) == Some(11000) {
            Self::Duplicate(source)
        } else {
            Self::Driver { operation, source }
        }
    }

    /// Whether a later attempt of the same call may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }
}

/// The server's error code of a driver error, when the server answered one.
pub(crate) fn server_code(error: &mongodb::error::Error) -> Option<i32> {
    match error.kind.as_ref() {
        ErrorKind::Command(command) => Some(command.code),
        ErrorKind::Write(WriteFailure::WriteError(write)) => Some(write.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(concern)) => Some(concern.code),
        ErrorKind::InsertMany(insert) => insert
            .write_errors
            .as_ref()
            .and_then(|errors| errors.first().map(|e| e.code)),
        _ => None,
    }
}

/// The kind of a driver error: from the server's code when it answered, else from what the
/// driver saw.
fn driver_kind(error: &mongodb::error::Error) -> Kind {
    if let Some(code) = server_code(error) {
        return match code {
            11000 | 11001 => Kind::Conflict,
            // MaxTimeMSExpired, ExceededTimeLimit.
            50 | 262 => Kind::Timeout,
            // Unauthorized, AuthenticationFailed.
            13 | 18 => Kind::Config,
            // BadValue, FailedToParse, TypeMismatch, InvalidOptions, Location errors of a
            // malformed query: the caller's query.
            2 | 9 | 14 | 72 | 15974 | 16410 | 17276 | 28667 | 31249 | 40323 | 40324 => {
                Kind::BadInput
            }
            // HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
            // NotWritablePrimary, InterruptedAtShutdown, PrimarySteppedDown, NotPrimaryNoSecondaryOk.
            6 | 7 | 89 | 91 | 10107 | 11600 | 189 | 13435 => Kind::Unavailable,
            _ if error.contains_label("RetryableWriteError")
                || error.contains_label("TransientTransactionError") =>
            {
                Kind::Unavailable
            }
            _ => Kind::Internal,
        };
    }
    match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. } => Kind::Unavailable,
        ErrorKind::Authentication { .. } => Kind::Config,
        _ => Kind::Internal,
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Core(error) => error.kind(),
            Error::UnknownCluster { .. } | Error::NoDefaultDatabase | Error::Convert(_) => {
                Kind::Internal
            }
            Error::InvalidState { .. } => Kind::Forbidden,
            Error::IndexConflict { .. } => Kind::Config,
            Error::Duplicate(_) => Kind::Conflict,
            Error::Rejected(_) | Error::ResponseTooLarge { .. } => Kind::BadInput,
            Error::Driver { source, .. } => driver_kind(source),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Core(error) => error.error_type(),
            Error::UnknownCluster { .. } => "mongo.UnknownCluster",
            Error::NoDefaultDatabase => "mongo.NoDefaultDatabase",
            Error::InvalidState { .. } => "mongo.InvalidState",
            Error::IndexConflict { .. } => "mongo.IndexConflict",
            Error::Duplicate(_) => "mongo.Duplicate",
            Error::Rejected(_) => "mongo.Rejected",
            Error::ResponseTooLarge { .. } => "mongo.ResponseTooLarge",
            Error::Convert(_) => "mongo.Convert",
            Error::Driver { .. } => "mongo.Driver",
        }
    }

    /// The message of a refusal of the caller's making, else the kind's stable text: the
    /// server's own text (which names databases and collections) stays in the log.
    fn public_message(&self) -> Cow<'static, str> {
        match self {
            Error::InvalidState { .. }
            | Error::Duplicate(_)
            | Error::Rejected(_)
            | Error::ResponseTooLarge { .. } => Cow::Owned(self.to_string()),
            Error::Driver { .. } if self.kind() == Kind::BadInput => {
                Cow::Borrowed("the query is invalid")
            }
            _ => Cow::Borrowed(self.kind().public_message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_errors_are_4xx_and_say_why() {
        let state = Error::InvalidState {
            state: "mars".into(),
            reason: "it is not an active state",
        };
        assert_eq!(state.kind().http_status(), 403);
        assert!(state.public_message().contains("mars"));
        let rejected = Error::Rejected("the operator `$where` is not allowed".into());
        assert_eq!(rejected.kind().http_status(), 400);
        assert_eq!(rejected.public_message(), rejected.to_string());
    }

    #[test]
    fn unknown_clusters_list_the_known_ones() {
        let error = Error::UnknownCluster {
            name: "Dockets".into(),
            known: vec!["Analytics".into(), "Archive".into()],
        };
        assert_eq!(
            error.to_string(),
            "no external MongoDB cluster is named `Dockets`; known: Analytics, Archive"
        );
        assert_eq!(error.public_message(), "internal server error");
    }
}
