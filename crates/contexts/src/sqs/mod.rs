//! SQS consumers with partial batch responses.
//!
//! A [`Consumer`] calls your handler once per record, with the body decoded from JSON into your
//! type and the record's [`Session`](updraft_core::Session) current; a [`BatchConsumer`] gives
//! your handler whole groups of records that share a session state. Either way the function
//! answers Lambda with `batchItemFailures` listing exactly the records that failed (a decode
//! error, a handler error, a panic; on FIFO queues also the rest of a failed group), so SQS
//! redelivers those and nothing else. Enable `ReportBatchItemFailures` on the event source
//! mapping. A queue is FIFO when its ARN ends in `.fifo`: the message groups of a standard
//! queue (fair queues) hold nothing back.
//!
//! Records published through SNS are unwrapped, whether the subscription delivers raw or in the
//! SNS envelope, and their `session` attribute is read either way (see
//! [`updraft_core::message`]).
//!
//! # Trust
//!
//! A record's session says whose work it is, so where it comes from matters. The queue's
//! access policy is the trust boundary: whoever may send to the queue chooses its records'
//! sessions. Within that:
//!
//! - the `session` attribute of the SQS message itself always wins over one inside a body;
//! - a body that looks like an SNS notification is unwrapped only when its topic is trusted:
//!   every topic unless `UPDRAFT_SNS_TOPIC_ARNS` (or [`Consumer::trusted_topics`]) lists them;
//!   an envelope from any other topic is a plain body, its session ignored;
//! - every record runs under its own session, in both modes: a batch handler's group shares
//!   one whole session (state and user).
//!
//! # Example
//!
//! ```no_run
//! use serde::Deserialize;
//! use updraft_contexts::sqs::{self, Record};
//!
//! #[derive(Deserialize)]
//! struct Job { id: String, fail: bool }
//!
//! async fn handle(record: Record<Job>) -> Result<(), String> {
//!     if record.body.fail { Err(format!("job {} failed", record.body.id)) } else { Ok(()) }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     sqs::consumer(handle).concurrency(10).run().await
//! }
//! ```
//!
//! A handler returns `Result<(), E>` for any `E: Display`; one without an error type of its own
//! returns [`HandlerResult`](crate::HandlerResult), so a closure needs no turbofish:
//! `sqs::consumer(|record: Record<Job>| async move { work(&record.body).await?; HandlerResult::Ok(()) })`.
//!
//! Outside Lambda, `run` processes an event given on the command line ([`crate::cli`]); with the
//! `sqs-poller` feature and `UPDRAFT_SQS_QUEUE_URL` set, it long-polls that queue instead.

// Over 400 lines because of its guide: about 90 lines of these docs; the two consumers and
// their service share the rest.

mod batch;
#[cfg(feature = "sqs-poller")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqs-poller")))]
pub mod poller;
mod process;
mod record;

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use updraft_core::Env;
use updraft_core::message::{SNS_TOPICS_VAR, TrustedTopics};

pub use batch::{Failures, Group};
pub use record::Record;

use process::Decoder;

use crate::Error;

/// How many records (or groups) run at once unless set otherwise.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// The variable naming the queue a consumer polls outside Lambda (feature `sqs-poller`).
pub const QUEUE_URL_VAR: &str = "UPDRAFT_SQS_QUEUE_URL";

/// Something that runs a batch of SQS records and says which failed. Implemented by
/// [`Consumer`] and [`BatchConsumer`]; sealed.
pub trait Processor: private::Sealed + Clone + Send + Sync + 'static {
    /// Runs the records; returns the message ids of those that failed.
    fn process_records(&self, records: Vec<SqsMessage>)
    -> impl Future<Output = Vec<String>> + Send;

    /// Runs an event and builds the partial batch response.
    fn process(&self, event: SqsEvent) -> impl Future<Output = SqsBatchResponse> + Send {
        async move {
            let failed = self.process_records(event.records).await;
            response(failed)
        }
    }
}

mod private {
    pub trait Sealed {}
}

/// The partial batch response for `failed` message ids.
fn response(failed: Vec<String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}

/// A per-record consumer; see the module docs.
#[must_use]
pub struct Consumer<H, T> {
    handler: Arc<H>,
    concurrency: usize,
    decoder: Arc<Decoder>,
    topics_in_code: bool,
    body: PhantomData<fn(T)>,
}

/// The trusted topics of the process environment, read once per consumer. A malformed list
/// trusts no topic (and says so): failing closed keeps a mistyped ARN from trusting every
/// topic. [`Consumer::run`] reports it as a typed error before serving.
fn topics_from_process() -> Arc<Decoder> {
    let value = std::env::var(SNS_TOPICS_VAR).unwrap_or_default();
    let topics = TrustedTopics::from_env(&Env::from_pairs([(SNS_TOPICS_VAR, value)]))
        .unwrap_or_else(|error| {
            tracing::error!(%error, "no SNS topic is trusted");
            TrustedTopics::only(std::iter::empty::<&str>()).unwrap_or_default()
        });
    Arc::new(Decoder { topics })
}

/// The topics of `env` unless code chose them.
fn resolve_topics(decoder: &mut Arc<Decoder>, in_code: bool, env: &Env) -> Result<(), Error> {
    if !in_code {
        *decoder = Arc::new(Decoder {
            topics: TrustedTopics::from_env(env)?,
        });
    }
    Ok(())
}

/// A consumer of per-record `handler`: `async fn(Record<T>) -> Result<(), E>`.
pub fn consumer<H, Fut, T, E>(handler: H) -> Consumer<H, T>
where
    H: Fn(Record<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    Consumer {
        handler: Arc::new(handler),
        concurrency: DEFAULT_CONCURRENCY,
        decoder: topics_from_process(),
        topics_in_code: false,
        body: PhantomData,
    }
}

impl<H, T> Consumer<H, T> {
    /// How many records of a standard queue (or groups of a FIFO queue) run at once (at least
    /// one; default [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Unwraps the SNS envelopes of these topics only, overriding `UPDRAFT_SNS_TOPIC_ARNS`
    /// (see the module docs on trust).
    pub fn trusted_topics(mut self, topics: TrustedTopics) -> Self {
        self.decoder = Arc::new(Decoder { topics });
        self.topics_in_code = true;
        self
    }
}

impl<H, T> Clone for Consumer<H, T> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            concurrency: self.concurrency,
            decoder: self.decoder.clone(),
            topics_in_code: self.topics_in_code,
            body: PhantomData,
        }
    }
}

impl<H, T> std::fmt::Debug for Consumer<H, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<H, T> private::Sealed for Consumer<H, T> {}

impl<H, Fut, T, E> Processor for Consumer<H, T>
where
    H: Fn(Record<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    async fn process_records(&self, records: Vec<SqsMessage>) -> Vec<String> {
        if process::is_fifo(&records) {
            process::fifo(records, &self.decoder, &*self.handler, self.concurrency).await
        } else {
            process::standard(records, &self.decoder, &*self.handler, self.concurrency).await
        }
    }
}

/// A batch-mode consumer; see [`batch_consumer`].
#[must_use]
pub struct BatchConsumer<H, T> {
    handler: Arc<H>,
    concurrency: usize,
    decoder: Arc<Decoder>,
    topics_in_code: bool,
    body: PhantomData<fn(T)>,
}

/// A consumer in batch mode: `handler` gets each [`Group`] of records that share a whole
/// session (state and user), with that session current, and returns the [`Failures`] it
/// marked. An error or a panic fails the whole group. On FIFO queues, groups follow message
/// group order (see [`Group`]).
pub fn batch_consumer<H, Fut, T, E>(handler: H) -> BatchConsumer<H, T>
where
    H: Fn(Group<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Failures, E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    BatchConsumer {
        handler: Arc::new(handler),
        concurrency: DEFAULT_CONCURRENCY,
        decoder: topics_from_process(),
        topics_in_code: false,
        body: PhantomData,
    }
}

impl<H, T> BatchConsumer<H, T> {
    /// How many groups run at once (at least one; default [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Unwraps the SNS envelopes of these topics only, as [`Consumer::trusted_topics`].
    pub fn trusted_topics(mut self, topics: TrustedTopics) -> Self {
        self.decoder = Arc::new(Decoder { topics });
        self.topics_in_code = true;
        self
    }
}

impl<H, T> Clone for BatchConsumer<H, T> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            concurrency: self.concurrency,
            decoder: self.decoder.clone(),
            topics_in_code: self.topics_in_code,
            body: PhantomData,
        }
    }
}

impl<H, T> std::fmt::Debug for BatchConsumer<H, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchConsumer")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<H, T> private::Sealed for BatchConsumer<H, T> {}

impl<H, Fut, T, E> Processor for BatchConsumer<H, T>
where
    H: Fn(Group<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Failures, E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    fn process_records(
        &self,
        records: Vec<SqsMessage>,
    ) -> impl Future<Output = Vec<String>> + Send {
        batch::run(records, &self.decoder, &*self.handler, self.concurrency)
    }
}

/// A [`Processor`] as a Lambda handler of SQS events.
#[derive(Debug, Clone)]
pub struct SqsService<P>(P);

impl<P: Processor> SqsService<P> {
    /// Wraps `processor`.
    #[must_use]
    pub fn new(processor: P) -> Self {
        Self(processor)
    }
}

impl<P: Processor> tower::Service<LambdaEvent<SqsEvent>> for SqsService<P> {
    type Response = SqsBatchResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<SqsBatchResponse, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<SqsEvent>) -> Self::Future {
        let processor = self.0.clone();
        let span = crate::logging::invocation_span("sqs", &event.context);
        Box::pin(
            async move {
                let started = Instant::now();
                let records = event.payload.records.len();
                let response = processor.process(event.payload).await;
                tracing::info!(
                    target: "updraft::access",
                    records,
                    failed = response.batch_item_failures.len(),
                    latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "batch"
                );
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// Serves a processor: in Lambda, or else from `UPDRAFT_SQS_QUEUE_URL` (feature
/// `sqs-poller`), or else once on an event from the command line.
async fn run<P: Processor>(processor: P, env: Env) -> Result<(), Error> {
    #[cfg(feature = "sqs-poller")]
    if !crate::lambda::in_lambda(&env)
        && let Some(url) = env.non_empty(QUEUE_URL_VAR)
    {
        crate::logging::init(&env)?;
        return poller::LocalQueue::from_env(url, &env)
            .await?
            .run(&processor)
            .await;
    }
    crate::cli::run_event_context(SqsService::new(processor), &env).await
}

impl<H, Fut, T, E> Consumer<H, T>
where
    H: Fn(Record<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    /// The consumer as a Lambda handler.
    #[must_use]
    pub fn into_service(self) -> SqsService<Self> {
        SqsService::new(self)
    }

    /// Serves the consumer: in Lambda when `AWS_LAMBDA_RUNTIME_API` is set; otherwise it polls
    /// `UPDRAFT_SQS_QUEUE_URL` (feature `sqs-poller`) or runs one event from the command line.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for malformed configuration, and the errors of the mode it runs in.
    pub async fn run(mut self) -> Result<(), Error> {
        let env = Env::load()?;
        resolve_topics(&mut self.decoder, self.topics_in_code, &env)?;
        run(self, env).await
    }
}

impl<H, Fut, T, E> BatchConsumer<H, T>
where
    H: Fn(Group<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Failures, E>> + Send,
    T: DeserializeOwned + Send + 'static,
    E: Display,
{
    /// The consumer as a Lambda handler.
    #[must_use]
    pub fn into_service(self) -> SqsService<Self> {
        SqsService::new(self)
    }

    /// Serves the consumer, as [`Consumer::run`] does.
    ///
    /// # Errors
    ///
    /// See [`Consumer::run`].
    pub async fn run(mut self) -> Result<(), Error> {
        let env = Env::load()?;
        resolve_topics(&mut self.decoder, self.topics_in_code, &env)?;
        run(self, env).await
    }
}
