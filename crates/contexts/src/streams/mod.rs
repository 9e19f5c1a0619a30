//! Kinesis and DynamoDB Streams consumers with partial failures by sequence number.
//!
//! A stream batch comes from one shard, in order. The handler runs on each record in turn; the
//! first record that fails (it does not decode, its handler errs or panics) stops the batch and
//! its sequence number is the one failure reported, as AWS's checkpointing requires: Lambda
//! retries the batch from that record, and the records before it are done. Enable
//! `ReportBatchItemFailures` on the event source mapping.
//!
//! # Example
//!
//! ```no_run
//! use serde::Deserialize;
//! use updraft_contexts::HandlerResult;
//! use updraft_contexts::streams::{self, KinesisRecord};
//!
//! #[derive(Deserialize)]
//! struct Click { page: String }
//!
//! async fn count(record: KinesisRecord<Click>) -> HandlerResult {
//!     tracing::info!(page = %record.body.page, sequence = %record.sequence_number, "click");
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     streams::kinesis(count).run().await
//! }
//! ```

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

mod decode;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
/// A DynamoDB Streams record, as `aws_lambda_events` decodes it.
pub use aws_lambda_events::event::dynamodb::EventRecord as DynamoDbRecord;
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::event::streams::{
    DynamoDbBatchItemFailure, DynamoDbEventResponse, KinesisBatchItemFailure, KinesisEventResponse,
};
use lambda_runtime::LambdaEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;
use updraft_core::Env;

use crate::Error;
use crate::lambda::catch_panic;

/// A decoded Kinesis record.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KinesisRecord<T> {
    /// The data, decoded from JSON.
    pub body: T,
    /// The record's sequence number in its shard.
    pub sequence_number: String,
    /// The partition key.
    pub partition_key: String,
    /// The event id (`shardId-…:sequence`).
    pub event_id: Option<String>,
}

/// The first failure of a batch run in order, or `None` when every record succeeded.
async fn first_failure<R, F, Fut>(records: Vec<R>, run: F) -> Option<String>
where
    F: Fn(R) -> (Option<String>, Fut),
    Fut: Future<Output = Result<(), String>>,
{
    for record in records {
        let (sequence, outcome) = run(record);
        let Some(sequence) = sequence else {
            tracing::error!("a stream record has no sequence number; failing the batch from here");
            return Some(String::new());
        };
        if let Err(reason) = outcome.await {
            tracing::warn!(sequence_number = %sequence, reason = %reason, "a stream record failed; stopping the batch");
            return Some(sequence);
        }
    }
    None
}

async fn guarded<Fut, E>(future: Fut) -> Result<(), String>
where
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    match catch_panic(future).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(format!("the handler panicked: {panic}")),
    }
}

/// A Kinesis consumer; see [`kinesis`].
#[must_use]
pub struct Kinesis<H, T> {
    handler: Arc<H>,
    body: PhantomData<fn(T)>,
}

/// A Kinesis consumer of `handler`: `async fn(KinesisRecord<T>) -> Result<(), E>`, the record
/// data decoded from JSON into `T`.
pub fn kinesis<H, Fut, T, E>(handler: H) -> Kinesis<H, T>
where
    H: Fn(KinesisRecord<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    Kinesis {
        handler: Arc::new(handler),
        body: PhantomData,
    }
}

impl<H, T> Clone for Kinesis<H, T> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            body: PhantomData,
        }
    }
}

impl<H, T> std::fmt::Debug for Kinesis<H, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kinesis")
    }
}

impl<H, Fut, T, E> Kinesis<H, T>
where
    H: Fn(KinesisRecord<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    /// Runs a batch in order and reports its first failure.
    pub async fn process(&self, event: KinesisEvent) -> KinesisEventResponse {
        let handler = &*self.handler;
        let failure = first_failure(event.records, |record: KinesisEventRecord| {
            let sequence = record.kinesis.sequence_number.clone();
            let decoded = serde_json::from_slice::<T>(&record.kinesis.data);
            let outcome = async move {
                let body = decoded.map_err(|e| format!("the data does not decode: {e}"))?;
                guarded(handler(KinesisRecord {
                    body,
                    sequence_number: record.kinesis.sequence_number,
                    partition_key: record.kinesis.partition_key,
                    event_id: record.event_id,
                }))
                .await
            };
            (Some(sequence).filter(|s| !s.is_empty()), outcome)
        })
        .await;
        let mut response = KinesisEventResponse::default();
        response.batch_item_failures = failure
            .into_iter()
            .map(|id| {
                let mut failure = KinesisBatchItemFailure::default();
                failure.item_identifier = Some(id);
                failure
            })
            .collect();
        response
    }

    /// Serves the consumer in Lambda, or once on an event from the command line.
    ///
    /// # Errors
    ///
    /// See [`crate::cli::run_once`] and [`crate::lambda::serve`].
    pub async fn run(self) -> Result<(), Error> {
        crate::cli::run_event_context(self, &Env::load()?).await
    }
}

impl<H, Fut, T, E> tower::Service<LambdaEvent<Value>> for Kinesis<H, T>
where
    H: Fn(KinesisRecord<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    type Response = KinesisEventResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<KinesisEventResponse, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<Value>) -> Self::Future {
        let this = self.clone();
        let span = crate::logging::invocation_span("kinesis", &event.context);
        Box::pin(
            async move { Ok(this.process(decode::kinesis(event.payload)?).await) }.instrument(span),
        )
    }
}

/// A DynamoDB Streams consumer; see [`dynamodb`].
#[must_use]
pub struct DynamoDb<H> {
    handler: Arc<H>,
}

/// A DynamoDB Streams consumer of `handler`: `async fn(EventRecord) -> Result<(), E>`, with the
/// record's keys and images as `aws_lambda_events` gives them. To get them as a model's typed
/// old and new images, wrap a handler of `StreamRecord<M>` in `updraft_dynamo::stream::typed`
/// (feature `streams`; the facade's `dynamo-streams`).
pub fn dynamodb<H, Fut, E>(handler: H) -> DynamoDb<H>
where
    H: Fn(DynamoDbRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    DynamoDb {
        handler: Arc::new(handler),
    }
}

impl<H> Clone for DynamoDb<H> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
        }
    }
}

impl<H> std::fmt::Debug for DynamoDb<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynamoDb")
    }
}

impl<H, Fut, E> DynamoDb<H>
where
    H: Fn(DynamoDbRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    /// Runs a batch in order and reports its first failure.
    pub async fn process(&self, event: DynamoDbEvent) -> DynamoDbEventResponse {
        let handler = &*self.handler;
        let failure = first_failure(event.records, |record: DynamoDbRecord| {
            let sequence = record.change.sequence_number.clone();
            (sequence, guarded(handler(record)))
        })
        .await;
        let mut response = DynamoDbEventResponse::default();
        response.batch_item_failures = failure
            .into_iter()
            .map(|id| {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(id);
                failure
            })
            .collect();
        response
    }

    /// Serves the consumer in Lambda, or once on an event from the command line.
    ///
    /// # Errors
    ///
    /// See [`crate::cli::run_once`] and [`crate::lambda::serve`].
    pub async fn run(self) -> Result<(), Error> {
        crate::cli::run_event_context(self, &Env::load()?).await
    }
}

impl<H, Fut, E> tower::Service<LambdaEvent<Value>> for DynamoDb<H>
where
    H: Fn(DynamoDbRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    type Response = DynamoDbEventResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<DynamoDbEventResponse, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<Value>) -> Self::Future {
        let this = self.clone();
        let span = crate::logging::invocation_span("dynamodb-streams", &event.context);
        Box::pin(
            async move { Ok(this.process(decode::dynamodb(event.payload)?).await) }
                .instrument(span),
        )
    }
}
