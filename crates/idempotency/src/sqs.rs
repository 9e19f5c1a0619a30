//! SQS records, each run at most once: a redelivered record never repeats its effects, while
//! the rest of the batch proceeds.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use updraft_contexts::sqs::Record;

use crate::key::{canonical, sha256};
use crate::{Error, Idempotency, Key};

/// What identifies a repeat of an SQS record.
#[derive(Debug, Clone)]
pub enum RecordKey {
    /// The SQS message id: a redelivery of the same message. Two sends of the same body are
    /// two messages.
    MessageId,
    /// Fields of the body (dotted paths or JSON pointers): the same order sent twice is one.
    Fields(Vec<String>),
}

/// A record handler's future.
type RecordFuture<E> = Pin<Box<dyn Future<Output = Result<(), Error<E>>> + Send>>;

impl Idempotency {
    /// `handler` for the SQS consumer of `updraft-contexts`, each record run at most once per
    /// key. A record whose key is in progress fails with [`Error::InProgress`], so the
    /// consumer reports it and SQS delivers it again later; a repeat of a completed record
    /// succeeds without running the handler.
    ///
    /// ```no_run
    /// # async fn run(idempotency: updraft_idempotency::Idempotency) -> Result<(), updraft_contexts::Error> {
    /// use updraft_contexts::sqs::{self, Record};
    /// use updraft_idempotency::sqs::RecordKey;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Order { id: String }
    ///
    /// async fn ship(order: Record<Order>) -> Result<(), std::io::Error> { Ok(()) }
    ///
    /// sqs::consumer(idempotency.sqs("ship", RecordKey::MessageId, ship)).run().await
    /// # }
    /// ```
    pub fn sqs<T, F, Fut, E>(
        &self,
        handler_name: &str,
        key: RecordKey,
        handler: F,
    ) -> impl Fn(Record<T>) -> RecordFuture<E> + Send + Sync + 'static
    where
        T: Serialize + Send + Sync + 'static,
        F: Fn(Record<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        let idempotency = self.clone();
        let name: Arc<str> = handler_name.into();
        let fields = match key {
            RecordKey::MessageId => None,
            RecordKey::Fields(fields) => Some(Key::<()>::fields(fields)),
        };
        let handler = Arc::new(handler);
        move |record: Record<T>| {
            let (idempotency, name, fields, handler) = (
                idempotency.clone(),
                name.clone(),
                fields.clone(),
                handler.clone(),
            );
            Box::pin(async move {
                let json = serde_json::to_value(&record.body)
                    .map_err(|e| Error::Codec(format!("the record does not serialize: {e}")))?;
                let material = match &fields {
                    None => Some(record.message_id.clone()),
                    Some(key) => key.material(&(), &json),
                };
                let Some(material) = material else {
                    return Err(Error::NoKey {
                        fields: fields.map(|k| k.describe()).unwrap_or_default(),
                    });
                };
                let payload_hash = sha256(&canonical(&json));
                idempotency
                    .once(&name, &material, payload_hash, || handler(record), &|_| {
                        true
                    })
                    .await
            })
        }
    }
}
