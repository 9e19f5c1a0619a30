//! The error of `updraft-dynamo`.

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};

use crate::Model;
use crate::batch::Incomplete;
use crate::expr::ExpressionError;
use crate::transaction::CancelReason;
use crate::value::{RawItem, ValueError};

/// Why a DynamoDB operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An item, key or value has no DynamoDB form (a NaN, a 39-digit number).
    #[error("cannot encode for DynamoDB: {0}")]
    Encode(#[source] ValueError),

    /// An item from DynamoDB does not fit the model.
    #[error("an item does not fit the model: {source}")]
    Decode {
        /// The table.
        table: String,
        /// Which attribute, and why.
        #[source]
        source: ValueError,
    },

    /// An expression breaks one of DynamoDB's rules (checked before any call).
    #[error(transparent)]
    Expression(#[from] ExpressionError),

    /// A write's condition failed: a put's, an update's, a delete's, or a transaction
    /// action's. Every conditional write reports it this one way, with the item as it was
    /// (`ALL_OLD`, asked for on every conditional write), when there was one.
    #[error("the condition of a write failed")]
    ConditionFailed {
        /// The table.
        table: String,
        /// The item as it was, when there was one.
        old: Option<Box<RawItem>>,
        /// In a transaction, the position of the action whose condition failed.
        action: Option<usize>,
    },

    /// The item's version is not the one the write expected: someone else wrote it first.
    #[error("version conflict: expected version {expected}, found {}", found.map_or_else(|| "no item".to_owned(), |v| v.to_string()))]
    VersionConflict {
        /// The table.
        table: String,
        /// The version the write expected (0: that there is no item yet).
        expected: u64,
        /// The version stored, `None` when there is no item.
        found: Option<u64>,
        /// The item as it is, when there is one.
        old: Option<Box<RawItem>>,
        /// In a transaction, the position of the action that conflicted.
        action: Option<usize>,
    },

    /// DynamoDB cancelled a transaction for another reason than failed conditions (a
    /// conflict with another transaction, throttling, an invalid action); each reason names
    /// the action that caused it. A transaction cancelled only by failed conditions is
    /// [`Error::ConditionFailed`] or [`Error::VersionConflict`], as a single write's is.
    #[error("the transaction was cancelled: {}", reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    TransactionCanceled {
        /// One reason per action that failed.
        reasons: Vec<CancelReason>,
    },

    /// A transaction that cannot be sent: over 100 actions, two on one item, or none.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),

    /// A batch left items unprocessed after every retry; they are all here.
    #[error("{0}")]
    Incomplete(Box<Incomplete>),

    /// A table did not become ACTIVE (or go away) in time.
    #[error("the table is still {status} after {waited:?}")]
    TableNotReady {
        /// The table.
        table: String,
        /// Its last status.
        status: String,
        /// How long it was waited for.
        waited: std::time::Duration,
    },

    /// The DynamoDB call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl Error {
    /// The item as it was when a condition failed or versions conflicted, decoded.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when it does not fit `T`.
    pub fn old_item<T: Model>(&self) -> Result<Option<T>, Error> {
        let (Error::ConditionFailed { table, old, .. } | Error::VersionConflict { table, old, .. }) =
            self
        else {
            return Ok(None);
        };
        old.as_deref()
            .map(|item| {
                T::from_item(item.clone()).map_err(|source| Error::Decode {
                    table: table.clone(),
                    source,
                })
            })
            .transpose()
    }

    /// Whether retrying later may succeed.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Encode(_) | Error::Expression(_) | Error::InvalidTransaction(_) => {
                Kind::BadInput
            }
            Error::Decode { .. } => Kind::Internal,
            Error::ConditionFailed { .. }
            | Error::VersionConflict { .. }
            | Error::TransactionCanceled { .. } => Kind::Conflict,
            Error::Incomplete(incomplete) => incomplete.kind(),
            Error::TableNotReady { .. } => Kind::Unavailable,
            Error::Aws(error) => error.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Encode(_) => "updraft.dynamo.Encode",
            Error::Decode { .. } => "updraft.dynamo.Decode",
            Error::Expression(_) => "updraft.dynamo.Expression",
            Error::ConditionFailed { .. } => "updraft.dynamo.ConditionFailed",
            Error::VersionConflict { .. } => "updraft.dynamo.VersionConflict",
            Error::TransactionCanceled { .. } => "updraft.dynamo.TransactionCanceled",
            Error::InvalidTransaction(_) => "updraft.dynamo.InvalidTransaction",
            Error::Incomplete(_) => "updraft.dynamo.Incomplete",
            Error::TableNotReady { .. } => "updraft.dynamo.TableNotReady",
            Error::Aws(_) => "updraft.dynamo.Aws",
        }
    }
}
