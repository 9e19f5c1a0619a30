//! The error of an idempotent call: the handler's own, or why the call did not run.

use std::borrow::Cow;
use std::time::Duration;

use updraft_core::error::{Kind, Surface};

/// Why an idempotent call failed. `E` is the handler's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The handler ran and failed. Its claim was released (a retryable error: the next attempt
    /// runs again) or its failure stored (see [`StoredFailure`](Error::StoredFailure)).
    #[error(transparent)]
    Handler(E),

    /// Another call with this key is running. HTTP 409 with `Retry-After`; for SQS the record
    /// is reported failed and comes back later.
    #[error("a call with this idempotency key is in progress; retry after {}s", retry_after.as_secs().max(1))]
    InProgress {
        /// How long until its claim lapses, at most.
        retry_after: Duration,
    },

    /// The key was used before with a different payload: never a replay of another request's
    /// response. HTTP 422.
    #[error("this idempotency key was used with a different payload")]
    PayloadMismatch,

    /// An earlier call with this key failed with an error that is not retried; its message.
    #[error("an earlier call with this idempotency key failed: {message}")]
    StoredFailure {
        /// The stored error text.
        message: String,
    },

    /// The input has no idempotency key (none of the key's fields), and the store was told to
    /// refuse such calls.
    #[error("the input has no idempotency key ({fields})")]
    NoKey {
        /// What the key reads.
        fields: String,
    },

    /// The response is over what one DynamoDB item holds; the handler ran, and repeats get
    /// [`StoredFailure`](Error::StoredFailure) instead of running it again.
    #[error("the response is {size} bytes; an idempotency record holds at most {limit}")]
    ResponseTooLarge {
        /// The response's size as JSON.
        size: usize,
        /// The limit.
        limit: usize,
    },

    /// The input or response does not serialize, or a stored response no longer decodes.
    #[error("idempotency record: {0}")]
    Codec(String),

    /// The idempotency table could not be read or written.
    #[error(transparent)]
    Store(#[from] updraft_dynamo::Error),
}

impl<E: Surface> Surface for Error<E> {
    fn kind(&self) -> Kind {
        match self {
            Error::Handler(e) => e.kind(),
            Error::InProgress { .. } | Error::StoredFailure { .. } => Kind::Conflict,
            Error::PayloadMismatch | Error::NoKey { .. } => Kind::BadInput,
            Error::ResponseTooLarge { .. } | Error::Codec(_) => Kind::Internal,
            Error::Store(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Handler(e) => e.error_type(),
            Error::InProgress { .. } => "updraft.idempotency.InProgress",
            Error::PayloadMismatch => "updraft.idempotency.PayloadMismatch",
            Error::StoredFailure { .. } => "updraft.idempotency.StoredFailure",
            Error::NoKey { .. } => "updraft.idempotency.NoKey",
            Error::ResponseTooLarge { .. } => "updraft.idempotency.ResponseTooLarge",
            Error::Codec(_) => "updraft.idempotency.Codec",
            Error::Store(_) => "updraft.idempotency.Store",
        }
    }

    fn public_message(&self) -> Cow<'static, str> {
        match self {
            Error::Handler(e) => e.public_message(),
            // A stored failure's text is the handler's: say only that it failed before.
            Error::StoredFailure { .. } => {
                Cow::Borrowed("an earlier request with this idempotency key failed")
            }
            other if other.kind().http_status() < 500 => Cow::Owned(other.to_string()),
            other => Cow::Borrowed(other.kind().public_message()),
        }
    }
}

impl<E> Error<E> {
    /// The seconds a client should wait before retrying, for [`InProgress`](Error::InProgress).
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::InProgress { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The handler's error, if that is what this is.
    pub fn into_handler(self) -> Option<E> {
        match self {
            Error::Handler(e) => Some(e),
            _ => None,
        }
    }
}
