//! Outside Lambda, a consumer long-polls a real queue, as Lambda's event source mapping does:
//! it receives up to ten messages, runs them through the same [`Processor`], deletes those that
//! succeeded and leaves the failed ones to come back after their visibility timeout.
//!
//! `Consumer::run` does this when `UPDRAFT_SQS_QUEUE_URL` is set outside Lambda; tests and
//! tools call [`LocalQueue::poll_once`] directly.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use updraft_core::{Env, SdkConfig};

use super::Processor;
use crate::Error;

/// A queue polled outside Lambda.
#[derive(Debug, Clone)]
pub struct LocalQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    arn: String,
    wait: Duration,
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
}

impl LocalQueue {
    /// The queue at `url`, through the clients of `config`.
    pub fn new(config: &SdkConfig, url: impl Into<String>) -> Self {
        let url = url.into();
        Self {
            client: aws_sdk_sqs::Client::new(config),
            arn: arn_of(&url, config.region().map_or("us-east-1", |r| r.as_ref())),
            url,
            wait: Duration::from_secs(20),
        }
    }

    /// The queue at `url`, with the AWS configuration read from `env`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the AWS configuration is incomplete or malformed.
    pub async fn from_env(url: &str, env: &Env) -> Result<Self, Error> {
        let config = updraft_core::aws::ConfigLoader::new()
            .env(env.clone())
            .load()
            .await?;
        Ok(Self::new(&config, url))
    }

    /// How long one receive waits for messages (long polling; at most 20 s, default 20 s).
    #[must_use]
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait.min(Duration::from_secs(20));
        self
    }

    /// Receives one batch, runs it, and deletes the messages that succeeded.
    ///
    /// # Errors
    ///
    /// [`Error::Poll`] when receiving or deleting fails.
    pub async fn poll_once<P: Processor>(&self, processor: &P) -> Result<PollReport, Error> {
        let wait = i32::try_from(self.wait.as_secs()).unwrap_or(20);
        let received = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| Error::Poll(Box::new(aws_sdk_sqs::Error::from(e))))?;
        let messages = received.messages.unwrap_or_default();
        let handles: HashMap<String, String> = messages
            .iter()
            .filter_map(|m| Some((m.message_id.clone()?, m.receipt_handle.clone()?)))
            .collect();
        let records: Vec<SqsMessage> = messages.into_iter().map(|m| self.to_record(m)).collect();
        let received = records.len();
        let failed = processor.process_records(records).await;
        let done: Vec<(&String, &String)> = handles
            .iter()
            .filter(|(id, _)| !failed.contains(id))
            .collect();
        for chunk in done.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, handle))| {
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
                .map_err(|e| Error::Poll(Box::new(aws_sdk_sqs::Error::from(e))))?;
            if !deleted.failed.is_empty() {
                tracing::warn!(
                    failed = deleted.failed.len(),
                    "some processed messages could not be deleted"
                );
            }
        }
        Ok(PollReport {
            received,
            deleted: done.len(),
            failed,
        })
    }

    /// Polls until Ctrl-C or SIGTERM.
    ///
    /// # Errors
    ///
    /// [`Error::Poll`] when a receive or delete keeps failing (five times in a row).
    pub async fn run<P: Processor>(&self, processor: &P) -> Result<(), Error> {
        tracing::info!(queue = %self.url, "polling the queue (not in Lambda)");
        let mut errors = 0u32;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                polled = self.poll_once(processor) => match polled {
                    Ok(report) => {
                        errors = 0;
                        if report.received > 0 {
                            tracing::info!(received = report.received, deleted = report.deleted, failed = report.failed.len(), "polled");
                        }
                    }
                    Err(error) if errors < 4 => {
                        errors += 1;
                        tracing::warn!(%error, attempt = errors, "polling failed; retrying");
                        tokio::time::sleep(Duration::from_millis(250 << errors)).await;
                    }
                    Err(error) => return Err(error),
                },
            }
        }
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
