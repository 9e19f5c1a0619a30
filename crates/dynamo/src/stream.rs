//! DynamoDB Streams records with typed images: a [`StreamRecord<M>`] holds the old and new
//! item as the model `M`, decoded by the same code as a `get`.
//!
//! The SQS-style consumer lives in `updraft-contexts` (`streams::dynamodb`), which hands each
//! handler the record as `aws_lambda_events` gives it; [`typed`] turns a handler of
//! `StreamRecord<M>` into one of those:
//!
//! ```no_run
//! use updraft_contexts::HandlerResult;
//! use updraft_dynamo::Model;
//! use updraft_dynamo::stream::{Change, StreamRecord, typed};
//!
//! #[derive(Model, Debug)]
//! #[dynamo(table = "Orders")]
//! struct Order {
//!     #[dynamo(hash)]
//!     id: String,
//!     total_cents: u64,
//! }
//!
//! async fn audit(record: StreamRecord<Order>) -> HandlerResult {
//!     match (record.change, record.old, record.new) {
//!         (Change::Modify, Some(old), Some(new)) if new.total_cents > old.total_cents => {
//!             tracing::info!(order = %new.id, "raised");
//!         }
//!         (Change::Remove, Some(old), _) if record.expired => tracing::info!(order = %old.id, "expired"),
//!         _ => {}
//!     }
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     updraft_contexts::streams::dynamodb(typed(audit)).run().await
//! }
//! ```
//!
//! A record whose image does not decode fails like a handler error: the batch stops there and
//! its sequence number is reported, so nothing after it is skipped silently.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::dynamodb::EventRecord;

use crate::Model;
use crate::value::{RawItem, ValueError};

/// What happened to the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// It was created (`INSERT`).
    Insert,
    /// It was changed (`MODIFY`).
    Modify,
    /// It was deleted (`REMOVE`), by a call or by its time to live.
    Remove,
}

/// A DynamoDB Streams record whose images are decoded into the model `M`.
///
/// Which images are there depends on the stream's view type: `NEW_AND_OLD_IMAGES` gives both
/// (where they exist: an insert has no old image, a removal no new one), `KEYS_ONLY` neither.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamRecord<M> {
    /// What happened.
    pub change: Change,
    /// The item before the change.
    pub old: Option<M>,
    /// The item after the change.
    pub new: Option<M>,
    /// The item's key attributes, always present.
    pub keys: RawItem,
    /// Whether DynamoDB itself removed the item because its time to live passed.
    pub expired: bool,
    /// The record's position in its shard.
    pub sequence_number: String,
    /// The event id.
    pub event_id: String,
}

/// Why a stream record does not decode into the model.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The record's sequence number.
    pub sequence_number: String,
    /// What does not decode: `eventName`, `OldImage` or `NewImage`.
    pub part: &'static str,
    /// Why, when it is a value of the image.
    pub source: Option<ValueError>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stream record {}: its {} does not decode",
            self.sequence_number, self.part
        )?;
        match &self.source {
            Some(source) => write!(f, ": {source}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// What a [`typed`] handler returns: the record did not decode, or the handler failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError<E> {
    /// The record does not decode into the model.
    Decode(DecodeError),
    /// The handler's error.
    Handler(E),
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Decode(error) => error.fmt(f),
            StreamError::Handler(error) => error.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for StreamError<E> {}

impl<M: Model> StreamRecord<M> {
    /// Decodes a record as Lambda delivers it.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for an unknown `eventName`, or an image that is not an `M`.
    pub fn decode(record: EventRecord) -> Result<Self, DecodeError> {
        let sequence_number = record.change.sequence_number.unwrap_or_default();
        let fail = |part, source| DecodeError {
            sequence_number: sequence_number.clone(),
            part,
            source,
        };
        let change = match record.event_name.as_str() {
            "INSERT" => Change::Insert,
            "MODIFY" => Change::Modify,
            "REMOVE" => Change::Remove,
            _ => return Err(fail("eventName", None)),
        };
        let image = |item: serde_dynamo::Item, part| -> Result<Option<M>, DecodeError> {
            let raw: RawItem = item.into();
            if raw.is_empty() {
                return Ok(None);
            }
            M::from_item(raw).map(Some).map_err(|e| fail(part, Some(e)))
        };
        let old = image(record.change.old_image, "OldImage")?;
        let new = image(record.change.new_image, "NewImage")?;
        let expired = change == Change::Remove
            && record.user_identity.as_ref().is_some_and(|who| {
                who.type_ == "Service" && who.principal_id == "dynamodb.amazonaws.com"
            });
        Ok(Self {
            change,
            old,
            new,
            keys: record.change.keys.into(),
            expired,
            sequence_number,
            event_id: record.event_id,
        })
    }
}

/// The future of a [`typed`] handler.
pub type TypedFuture<E> = Pin<Box<dyn Future<Output = Result<(), StreamError<E>>> + Send>>;

/// A handler of raw stream records (what `updraft_contexts::streams::dynamodb` takes) that
/// decodes each into a [`StreamRecord<M>`] and calls `handler` with it.
pub fn typed<M, H, Fut, E>(handler: H) -> impl Fn(EventRecord) -> TypedFuture<E> + Send + Sync
where
    M: Model + Send + 'static,
    H: Fn(StreamRecord<M>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    move |record| match StreamRecord::<M>::decode(record) {
        Ok(record) => {
            let running = handler(record);
            Box::pin(async move { running.await.map_err(StreamError::Handler) })
        }
        Err(error) => Box::pin(std::future::ready(Err(StreamError::Decode(error)))),
    }
}
