//! [`Queue`]: the typed sender.

use std::borrow::Borrow;
use std::marker::PhantomData;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde::Serialize;
use updraft_core::SdkConfig;
use updraft_core::aws::AwsError;
use updraft_core::message::batch::{Answer, BatchPolicy, Rejected};
use updraft_core::message::publisher::Publisher;

use crate::Error;
use crate::QueueUrl;
use crate::message::{Prepared, SendOptions, prepare, sdk_attributes, system_attributes};

/// What SQS answered for a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// The SQS message id.
    pub message_id: String,
    /// The sequence number, on FIFO queues.
    pub sequence_number: Option<String>,
}

/// A queue that takes messages of type `T`, sent as JSON. Cheap to clone; build it once.
///
/// The current [`Session`](updraft_core::Session) goes with every message as the `session`
/// attribute (base64 JSON, as aws-python-helper writes it) unless turned off, so consumers see
/// the tenant and user that sent it.
#[derive(Debug)]
pub struct Queue<T: ?Sized> {
    client: aws_sdk_sqs::Client,
    publisher: Publisher,
    item: PhantomData<fn(&T)>,
}

impl<T: ?Sized> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            publisher: self.publisher.clone(),
            item: PhantomData,
        }
    }
}

impl<T: Serialize + ?Sized> Queue<T> {
    /// The queue whose URL the environment describes, as aws-python-helper's `get_queue_url`
    /// builds it: `AWS_REGION`, `AWS_ACCOUNT_ID`, `SERVICE_NAME`, `QUEUE_NAME` and `ENV` in
    /// the pattern of `UPDRAFT_QUEUE_URL_PATTERN` (default [`crate::DEFAULT_PATTERN`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming a missing or malformed variable (see [`QueueUrl::build`]).
    pub fn from_env(config: &SdkConfig, env: &updraft_core::Env) -> Result<Self, Error> {
        let url = QueueUrl::from_env(env)?.build(env)?;
        Ok(Self::from_url(config, url))
    }

    /// The queue at `url`.
    #[must_use]
    pub fn from_url(config: &SdkConfig, url: impl Into<String>) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_sqs, config),
            publisher: Publisher::at(url, false),
            item: PhantomData,
        }
    }

    /// The queue named `name`, its URL looked up once (GetQueueUrl, which needs the IAM
    /// permission `sqs:GetQueueUrl`) on first use and cached.
    #[must_use]
    pub fn named(config: &SdkConfig, name: impl Into<String>) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_sqs, config),
            publisher: Publisher::named(name, false),
            item: PhantomData,
        }
    }

    /// Sends messages without the `session` attribute.
    #[must_use]
    pub fn without_session(mut self) -> Self {
        self.publisher = self.publisher.without_session();
        self
    }

    /// Changes how batches are sent (calls in flight, attempts, backoff).
    #[must_use]
    pub fn batch_policy(mut self, policy: BatchPolicy) -> Self {
        self.publisher = self.publisher.batch_policy(policy);
        self
    }

    /// The queue's URL, looked up on first use when the queue was named.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`] (kind `NotFound` for a queue that does not exist) when the lookup fails.
    pub async fn url(&self) -> Result<&str, Error> {
        self.publisher
            .address(async |name| {
                let out = self.client.get_queue_url().queue_name(name).send().await;
                let out = out.map_err(|e| AwsError::from_sdk("sqs", "GetQueueUrl", e))?;
                Ok(out.queue_url.unwrap_or_default())
            })
            .await
    }

    /// How many SendMessageBatch calls this queue (and its clones) has made.
    #[must_use]
    pub fn batch_calls(&self) -> u64 {
        self.publisher.batch_calls()
    }

    /// Sends `item` as JSON.
    ///
    /// # Errors
    ///
    /// See [`Queue::send_with`].
    pub async fn send(&self, item: &T) -> Result<Sent, Error> {
        self.send_with(item, SendOptions::new()).await
    }

    /// Sends `item` with a delay, attributes, or FIFO ids.
    ///
    /// # Errors
    ///
    /// Before any call: [`Error::Message`] (the item does not serialise, is over 256 KiB with
    /// its attributes, has a bad attribute, or FIFO ids that do not fit the queue) and
    /// [`Error::InvalidOption`]. From SQS: [`Error::Aws`].
    pub async fn send_with(&self, item: &T, options: SendOptions) -> Result<Sent, Error> {
        let url = self.url().await?;
        let prepared = prepare(item, options, self.publisher.destination(url))?;
        let system = system_attributes(prepared.trace.as_ref());
        let message = prepared.message;
        let out = self
            .client
            .send_message()
            .queue_url(url)
            .set_message_attributes(sdk_attributes(&message.attributes)?)
            .set_message_system_attributes(system)
            .message_body(message.body)
            .set_message_group_id(message.group_id)
            .set_message_deduplication_id(message.dedup_id)
            .set_delay_seconds(prepared.delay_seconds)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("sqs", "SendMessage", e))?;
        Ok(Sent {
            message_id: out.message_id.unwrap_or_default(),
            sequence_number: out.sequence_number,
        })
    }

    /// Sends every item, in as few SendMessageBatch calls as SQS allows (ten entries and
    /// 256 KiB per call), some calls at once. Throttled and server-side failures are retried;
    /// the result holds one entry per item, in order, so nothing is lost silently.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyBatch`] for no items, and the URL lookup's error; per item, the errors of
    /// [`Queue::send_with`] and [`Error::Rejected`] for what SQS refused.
    pub async fn send_batch<I, B>(&self, items: I) -> Result<Vec<Result<Sent, Error>>, Error>
    where
        I: IntoIterator<Item = B>,
        B: Borrow<T>,
    {
        self.send_batch_with(items.into_iter().map(|item| (item, SendOptions::new())))
            .await
    }

    /// [`Queue::send_batch`] with options per item.
    ///
    /// # Errors
    ///
    /// See [`Queue::send_batch`].
    pub async fn send_batch_with<I, B>(&self, items: I) -> Result<Vec<Result<Sent, Error>>, Error>
    where
        I: IntoIterator<Item = (B, SendOptions)>,
        B: Borrow<T>,
    {
        let url = self.url().await?;
        let destination = self.publisher.destination(url);
        let prepared: Vec<Result<Prepared, Error>> = items
            .into_iter()
            .map(|(item, options)| prepare(item.borrow(), options, destination))
            .collect();
        if prepared.is_empty() {
            return Err(Error::EmptyBatch);
        }
        let call = async |entries| self.send_entries(url, entries).await;
        Ok(self.publisher.send_batch(url, prepared, entry, call).await)
    }

    async fn send_entries(
        &self,
        url: &str,
        entries: Vec<SendMessageBatchRequestEntry>,
    ) -> Answer<Sent> {
        let out = self
            .client
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await;
        let out =
            out.map_err(|e| Rejected::from(&AwsError::from_sdk("sqs", "SendMessageBatch", e)))?;
        let sent = out.successful.into_iter().map(|ok| {
            (
                ok.id,
                Sent {
                    message_id: ok.message_id,
                    sequence_number: ok.sequence_number,
                },
            )
        });
        let refused = out.failed.into_iter().map(|f| {
            (
                f.id,
                Rejected {
                    code: f.code,
                    message: f.message,
                    sender_fault: f.sender_fault,
                },
            )
        });
        Ok((sent.collect(), refused.collect()))
    }
}

/// The SendMessageBatch entry for a prepared message; `id` is its entry id.
fn entry(id: usize, prepared: &Prepared) -> Result<SendMessageBatchRequestEntry, Error> {
    let message = &prepared.message;
    SendMessageBatchRequestEntry::builder()
        .id(id.to_string())
        .message_body(&message.body)
        .set_message_attributes(sdk_attributes(&message.attributes)?)
        .set_message_system_attributes(system_attributes(prepared.trace.as_ref()))
        .set_message_group_id(message.group_id.clone())
        .set_message_deduplication_id(message.dedup_id.clone())
        .set_delay_seconds(prepared.delay_seconds)
        .build()
        .map_err(|e| {
            Error::Rejected(Rejected {
                code: "InvalidEntry".into(),
                message: Some(e.to_string()),
                sender_fault: true,
            })
        })
}
