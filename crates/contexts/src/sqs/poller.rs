//! Outside Lambda, a consumer long-polls a real queue, as Lambda's event source mapping does:
//! it receives up to ten messages, runs them through the same [`Processor`], deletes those that
//! succeeded and leaves the failed ones to come back after their visibility timeout.
//!
//! No message is lost or deleted unprocessed:
//!
//! - while a batch runs, its messages are kept invisible: every third of the visibility
//!   timeout they get another full one (`ChangeMessageVisibilityBatch`), so a slow handler
//!   never sees its message handed to a second consumer;
//! - each batch runs as one invocation (`updraft_core::Invocation`), as in Lambda, so what
//!   is flushed as an invocation ends (metrics) is flushed after each batch;
//! - on SIGTERM or Ctrl-C the poller stops receiving, stops extending, and lets the batch in
//!   flight finish within the visibility it has left; it deletes what succeeded and exits. A
//!   batch that cannot finish in time is abandoned undeleted, to come back to the next
//!   consumer, and nothing of it is deleted after its visibility ran out.
//!
//! `Consumer::run` does this when `UPDRAFT_SQS_QUEUE_URL` is set outside Lambda; tests and
//! tools call [`LocalQueue::poll_once`] or [`LocalQueue::run_until`] directly.

// Over 400 lines on purpose: receiving, visibility renewal, deletion and shutdown all act on
// the one batch in flight.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName,
};
use futures_util::FutureExt as _;
use tokio::time::Instant;
use updraft_core::aws::backoff::Backoff;
use updraft_core::{Env, SdkConfig};

use super::Processor;
use crate::Error;

/// The visibility timeout a received batch gets unless set otherwise.
pub const DEFAULT_VISIBILITY: Duration = Duration::from_secs(30);

/// The variable [`LocalQueue::from_env`] reads the visibility timeout from (`30s`, `2m`); set
/// it to the queue's `VisibilityTimeout`, which Lambda would use.
pub const VISIBILITY_VAR: &str = "UPDRAFT_SQS_VISIBILITY";

/// How close to the end of its visibility a batch is given up after a shutdown, so that no
/// delete races a redelivery.
const MARGIN: Duration = Duration::from_millis(500);

/// A queue polled outside Lambda.
#[derive(Debug, Clone)]
pub struct LocalQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    arn: String,
    wait: Duration,
    visibility: Duration,
    retry: Backoff,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollReport {
    /// Messages received.
    pub received: usize,
    /// Messages that succeeded and were deleted.
    pub deleted: usize,
    /// Message ids that failed and were left for redelivery.
    pub failed: Vec<String>,
    /// Whether a shutdown stopped the batch before it finished: nothing of it was deleted.
    pub abandoned: bool,
}

impl LocalQueue {
    /// The queue at `url`, through the clients of `config`.
    pub fn new(config: &SdkConfig, url: impl Into<String>) -> Self {
        let url = url.into();
        Self {
            client: updraft_core::traced_client!(aws_sdk_sqs, config),
            arn: arn_of(&url, config.region().map_or("us-east-1", |r| r.as_ref())),
            url,
            wait: Duration::from_secs(20),
            visibility: DEFAULT_VISIBILITY,
            retry: Backoff::new(Duration::from_millis(250), Duration::from_secs(10), 5),
        }
    }

    /// The queue at `url`, with the AWS configuration read from `env`, and the visibility
    /// timeout of [`VISIBILITY_VAR`] when it is set (as the queue's own `VisibilityTimeout` is
    /// what Lambda's event source mapping uses).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the AWS configuration is incomplete or malformed, or
    /// [`VISIBILITY_VAR`] is not a duration of 1 s to 12 h.
    pub async fn from_env(url: &str, env: &Env) -> Result<Self, Error> {
        let visibility = match env.duration(VISIBILITY_VAR)? {
            Some(v) if (Duration::from_secs(1)..=Duration::from_secs(43_200)).contains(&v) => {
                Some(v)
            }
            Some(_) => {
                return Err(updraft_core::Error::invalid_var(
                    VISIBILITY_VAR,
                    "the visibility timeout must be 1 s to 12 h",
                )
                .into());
            }
            None => None,
        };
        let config = updraft_core::aws::ConfigLoader::new()
            .env(env.clone())
            .load()
            .await?;
        let queue = Self::new(&config, url);
        Ok(match visibility {
            Some(visibility) => queue.visibility(visibility),
            None => queue,
        })
    }

    /// How long one receive waits for messages (long polling; at most 20 s, default 20 s).
    #[must_use]
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait.min(Duration::from_secs(20));
        self
    }

    /// The visibility timeout of a received batch, renewed while it runs (whole seconds, 1 s
    /// to 12 h; default 30 s).
    #[must_use]
    pub fn visibility(mut self, visibility: Duration) -> Self {
        self.visibility = visibility.clamp(Duration::from_secs(1), Duration::from_secs(43_200));
        self
    }

    /// Receives one batch, runs it while keeping it invisible, and deletes the messages that
    /// succeeded.
    ///
    /// # Errors
    ///
    /// [`Error::Poll`] when receiving or deleting fails.
    pub async fn poll_once<P: Processor>(&self, processor: &P) -> Result<PollReport, Error> {
        let messages = self.receive().await?;
        self.process(processor, messages, std::future::pending())
            .await
    }

    /// Polls until Ctrl-C or SIGTERM, then finishes as the module docs say.
    ///
    /// # Errors
    ///
    /// [`Error::Poll`] when receiving or deleting keeps failing (the retry policy's five
    /// attempts in a row).
    pub async fn run<P: Processor>(&self, processor: &P) -> Result<(), Error> {
        self.run_until(processor, crate::shutdown::signal()).await
    }

    /// Polls until `shutdown` completes, then finishes as the module docs say.
    ///
    /// # Errors
    ///
    /// See [`LocalQueue::run`].
    pub async fn run_until<P: Processor>(
        &self,
        processor: &P,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        tracing::info!(queue = %self.url, "polling the queue (not in Lambda)");
        let shutdown = shutdown.shared();
        let mut failures = 0;
        loop {
            let received = tokio::select! {
                () = shutdown.clone() => return Ok(()),
                received = self.receive() => received,
            };
            let report = match received {
                Ok(messages) => self.process(processor, messages, shutdown.clone()).await,
                Err(error) => Err(error),
            };
            match report {
                Ok(report) => {
                    failures = 0;
                    if report.received > 0 {
                        tracing::info!(
                            received = report.received,
                            deleted = report.deleted,
                            failed = report.failed.len(),
                            abandoned = report.abandoned,
                            "polled"
                        );
                    }
                    if report.abandoned || shutdown.clone().now_or_never().is_some() {
                        return Ok(());
                    }
                }
                Err(error) => {
                    failures += 1;
                    if failures >= self.retry.attempts() {
                        return Err(error);
                    }
                    tracing::warn!(%error, attempt = failures, "polling failed; retrying");
                    tokio::select! {
                        () = shutdown.clone() => return Ok(()),
                        () = self.retry.sleep(failures) => {}
                    }
                }
            }
        }
    }

    async fn receive(&self) -> Result<Vec<Message>, Error> {
        let wait = i32::try_from(self.wait.as_secs()).unwrap_or(20);
        let visibility = i32::try_from(self.visibility.as_secs()).unwrap_or(30);
        let received = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait)
            .visibility_timeout(visibility)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| poll_error("ReceiveMessage", e))?;
        Ok(received.messages.unwrap_or_default())
    }

    /// Runs a received batch with its visibility renewed; after `shutdown`, only within the
    /// visibility left.
    async fn process<P: Processor>(
        &self,
        processor: &P,
        messages: Vec<Message>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<PollReport, Error> {
        let received_at = Instant::now();
        let handles: HashMap<String, String> = messages
            .iter()
            .filter_map(|m| Some((m.message_id.clone()?, m.receipt_handle.clone()?)))
            .collect();
        let records: Vec<SqsMessage> = messages.into_iter().map(|m| self.to_record(m)).collect();
        let received = records.len();
        if received == 0 {
            return Ok(PollReport::default());
        }
        let renewed = Mutex::new(received_at);
        // Each batch is one invocation, as in Lambda: the finish hooks (metrics) run as it
        // ends, and idempotency claims see it.
        let request_id = records
            .first()
            .and_then(|r| r.message_id.as_deref())
            .map_or_else(|| "poll".to_owned(), |id| format!("poll-{id}"));
        let invocation = updraft_core::Invocation::new()
            .with_request_id(request_id)
            .with_cold_start(updraft_core::invocation::take_cold_start());
        let mut work = pin!(invocation.scope(processor.process_records(records)));
        let mut shutdown = pin!(shutdown);
        let finished = tokio::select! {
            failed = &mut work => Some(failed),
            () = self.keep_invisible(&handles, &renewed) => None,
            () = &mut shutdown => None,
        };
        let failed = if let Some(failed) = finished {
            failed
        } else {
            let renewed = *renewed.lock().unwrap_or_else(PoisonError::into_inner);
            let deadline = (renewed + self.visibility)
                .checked_sub(MARGIN)
                .unwrap_or(renewed);
            tracing::info!(
                left_ms = deadline
                    .saturating_duration_since(Instant::now())
                    .as_millis(),
                "shutting down: letting the batch in flight finish within its visibility"
            );
            tokio::select! {
                failed = &mut work => failed,
                () = tokio::time::sleep_until(deadline) => {
                    tracing::warn!(
                        messages = received,
                        "the batch did not finish within its visibility; left undeleted"
                    );
                    return Ok(PollReport {
                        received,
                        abandoned: true,
                        ..PollReport::default()
                    });
                }
            }
        };
        let done: Vec<&String> = handles
            .iter()
            .filter(|(id, _)| !failed.contains(id))
            .map(|(_, handle)| handle)
            .collect();
        self.delete(&done).await?;
        Ok(PollReport {
            received,
            deleted: done.len(),
            failed,
            abandoned: false,
        })
    }

    /// Every third of the visibility timeout, gives the batch a full one again. Never ends;
    /// a renewal that fails is logged and tried again at the next beat.
    async fn keep_invisible(&self, handles: &HashMap<String, String>, renewed: &Mutex<Instant>) {
        let beat = self.visibility / 3;
        let seconds = i32::try_from(self.visibility.as_secs()).unwrap_or(30);
        loop {
            tokio::time::sleep(beat).await;
            let started = Instant::now();
            let entries: Vec<ChangeMessageVisibilityBatchRequestEntry> = handles
                .values()
                .enumerate()
                .filter_map(|(i, handle)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(handle)
                        .visibility_timeout(seconds)
                        .build()
                        .ok()
                })
                .collect();
            match self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(answer) if answer.failed.is_empty() => {
                    *renewed.lock().unwrap_or_else(PoisonError::into_inner) = started;
                }
                Ok(answer) => tracing::warn!(
                    failed = answer.failed.len(),
                    "some messages' visibility could not be extended"
                ),
                Err(error) => tracing::warn!(
                    error = %poll_error("ChangeMessageVisibilityBatch", error),
                    "extending the batch's visibility failed"
                ),
            }
        }
    }

    async fn delete(&self, handles: &[&String]) -> Result<(), Error> {
        for chunk in handles.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, handle)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(*handle)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Poll(Box::new(e)))?;
            let deleted = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| poll_error("DeleteMessageBatch", e))?;
            if !deleted.failed.is_empty() {
                tracing::warn!(
                    failed = deleted.failed.len(),
                    "some processed messages could not be deleted"
                );
            }
        }
        Ok(())
    }

    /// A received message, in the shape Lambda delivers it.
    fn to_record(&self, message: Message) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = message.message_id;
        record.receipt_handle = message.receipt_handle;
        record.body = message.body;
        record.md5_of_body = message.md5_of_body;
        record.event_source = Some("aws:sqs".into());
        record.event_source_arn = Some(self.arn.clone());
        record.attributes = message
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| (name.as_str().to_owned(), value))
            .collect();
        record.message_attributes = message
            .message_attributes
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| {
                let mut attribute = SqsMessageAttribute::default();
                attribute.data_type = Some(value.data_type);
                attribute.string_value = value.string_value;
                attribute.binary_value = value.binary_value.map(|blob| {
                    let mut data = Base64Data::default();
                    *data = blob.into_inner();
                    data
                });
                (name, attribute)
            })
            .collect();
        record
    }
}

fn poll_error<E, R>(operation: &'static str, error: aws_sdk_sqs::error::SdkError<E, R>) -> Error
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Error::Poll(Box::new(updraft_core::aws::AwsError::from_sdk(
        "sqs", operation, error,
    )))
}

/// The queue ARN a Lambda event would carry, from the queue URL (`…/<account>/<name>`).
fn arn_of(url: &str, region: &str) -> String {
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let name = segments.next().unwrap_or_default();
    let account = segments.next().unwrap_or_default();
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_come_from_urls() {
        assert_eq!(
            arn_of(
                "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.fifo",
                "eu-west-1"
            ),
            "arn:aws:sqs:eu-west-1:123456789012:jobs.fifo"
        );
    }
}
