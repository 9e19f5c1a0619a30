//! [`Topic`]: the typed publisher.

use std::borrow::Borrow;
use std::marker::PhantomData;

use aws_sdk_sns::types::PublishBatchRequestEntry;
use serde::Serialize;
use updraft_core::SdkConfig;
use updraft_core::aws::AwsError;
use updraft_core::message::batch::{Answer, BatchPolicy, Rejected};
use updraft_core::message::publisher::Publisher;

use crate::Error;
use crate::message::{Prepared, PublishOptions, prepare, sdk_attributes};

/// What SNS answered for a published message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Published {
    /// The SNS message id.
    pub message_id: String,
    /// The sequence number, on FIFO topics.
    pub sequence_number: Option<String>,
}

/// A topic that takes messages of type `T`, published as JSON. Cheap to clone; build it once.
///
/// The current [`Session`](updraft_core::Session) goes with every message as the `session`
/// attribute (base64 JSON, as aws-python-helper writes it) unless turned off. SNS hands it on
/// to every subscribed queue, in the envelope or as a raw-delivery attribute, and the SQS
/// context of `updraft-contexts` reads it back either way.
#[derive(Debug)]
pub struct Topic<T: ?Sized> {
    client: aws_sdk_sns::Client,
    publisher: Publisher,
    item: PhantomData<fn(&T)>,
}

impl<T: ?Sized> Clone for Topic<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            publisher: self.publisher.clone(),
            item: PhantomData,
        }
    }
}

impl<T: Serialize + ?Sized> Topic<T> {
    /// The topic with this ARN.
    #[must_use]
    pub fn from_arn(config: &SdkConfig, arn: impl Into<String>) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_sns, config),
            publisher: Publisher::at(arn, true),
            item: PhantomData,
        }
    }

    /// The topic named `name`, its ARN found once on first use and cached.
    ///
    /// The lookup pages through ListTopics in the configuration's account and region, so the
    /// role needs the IAM permission `sns:ListTopics` (on resource `*`) besides `sns:Publish`.
    /// Where that is not wanted, pass the ARN to [`Topic::from_arn`].
    #[must_use]
    pub fn named(config: &SdkConfig, name: impl Into<String>) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_sns, config),
            publisher: Publisher::named(name, true),
            item: PhantomData,
        }
    }

    /// Publishes messages without the `session` attribute.
    #[must_use]
    pub fn without_session(mut self) -> Self {
        self.publisher = self.publisher.without_session();
        self
    }

    /// Changes how batches are published (calls in flight, attempts, backoff).
    #[must_use]
    pub fn batch_policy(mut self, policy: BatchPolicy) -> Self {
        self.publisher = self.publisher.batch_policy(policy);
        self
    }

    /// The topic's ARN, looked up on first use when the topic was named.
    ///
    /// # Errors
    ///
    /// [`Error::TopicNotFound`] when no topic has the name, [`Error::Aws`] when ListTopics
    /// fails.
    pub async fn arn(&self) -> Result<&str, Error> {
        self.publisher
            .address(async |name| find_topic(&self.client, name).await)
            .await
    }

    /// How many PublishBatch calls this topic (and its clones) has made.
    #[must_use]
    pub fn batch_calls(&self) -> u64 {
        self.publisher.batch_calls()
    }

    /// Publishes `item` as JSON.
    ///
    /// # Errors
    ///
    /// See [`Topic::publish_with`].
    pub async fn publish(&self, item: &T) -> Result<Published, Error> {
        self.publish_with(item, PublishOptions::new()).await
    }

    /// Publishes `item` with a subject, attributes, or FIFO ids.
    ///
    /// # Errors
    ///
    /// Before any call: [`Error::Message`] (the item does not serialise, is over 256 KiB with
    /// its attributes, has a bad attribute, or FIFO ids that do not fit the topic) and
    /// [`Error::InvalidSubject`]. From SNS: [`Error::Aws`].
    pub async fn publish_with(
        &self,
        item: &T,
        options: PublishOptions,
    ) -> Result<Published, Error> {
        let arn = self.arn().await?;
        let Prepared { message, subject } =
            prepare(item, options, self.publisher.destination(arn))?;
        let out = self
            .client
            .publish()
            .topic_arn(arn)
            .set_message_attributes(sdk_attributes(&message.attributes)?)
            .message(message.body)
            .set_subject(subject)
            .set_message_group_id(message.group_id)
            .set_message_deduplication_id(message.dedup_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("sns", "Publish", e))?;
        Ok(Published {
            message_id: out.message_id.unwrap_or_default(),
            sequence_number: out.sequence_number,
        })
    }

    /// Publishes every item, in as few PublishBatch calls as SNS allows (ten entries and
    /// 256 KiB per call), some calls at once. Throttled and server-side failures are retried;
    /// the result holds one entry per item, in order, so nothing is lost silently.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyBatch`] for no items, and the ARN lookup's errors; per item, the errors of
    /// [`Topic::publish_with`] and [`Error::Rejected`] for what SNS refused.
    pub async fn publish_batch<I, B>(
        &self,
        items: I,
    ) -> Result<Vec<Result<Published, Error>>, Error>
    where
        I: IntoIterator<Item = B>,
        B: Borrow<T>,
    {
        self.publish_batch_with(items.into_iter().map(|item| (item, PublishOptions::new())))
            .await
    }

    /// [`Topic::publish_batch`] with options per item.
    ///
    /// # Errors
    ///
    /// See [`Topic::publish_batch`].
    pub async fn publish_batch_with<I, B>(
        &self,
        items: I,
    ) -> Result<Vec<Result<Published, Error>>, Error>
    where
        I: IntoIterator<Item = (B, PublishOptions)>,
        B: Borrow<T>,
    {
        let arn = self.arn().await?;
        let destination = self.publisher.destination(arn);
        let prepared: Vec<Result<Prepared, Error>> = items
            .into_iter()
            .map(|(item, options)| prepare(item.borrow(), options, destination))
            .collect();
        if prepared.is_empty() {
            return Err(Error::EmptyBatch);
        }
        let call = async |entries| self.publish_entries(arn, entries).await;
        Ok(self.publisher.send_batch(arn, prepared, entry, call).await)
    }

    async fn publish_entries(
        &self,
        arn: &str,
        entries: Vec<PublishBatchRequestEntry>,
    ) -> Answer<Published> {
        let call = self
            .client
            .publish_batch()
            .topic_arn(arn)
            .set_publish_batch_request_entries(Some(entries));
        let out = call
            .send()
            .await
            .map_err(|e| Rejected::from(&AwsError::from_sdk("sns", "PublishBatch", e)))?;
        let published = out.successful.unwrap_or_default().into_iter().map(|ok| {
            let published = Published {
                message_id: ok.message_id.unwrap_or_default(),
                sequence_number: ok.sequence_number,
            };
            (ok.id.unwrap_or_default(), published)
        });
        let refused = out.failed.unwrap_or_default().into_iter().map(|f| {
            (
                f.id,
                Rejected {
                    code: f.code,
                    message: f.message,
                    sender_fault: f.sender_fault,
                },
            )
        });
        Ok((published.collect(), refused.collect()))
    }
}

/// The PublishBatch entry for a prepared message; `id` is its entry id.
fn entry(id: usize, prepared: &Prepared) -> Result<PublishBatchRequestEntry, Error> {
    let message = &prepared.message;
    PublishBatchRequestEntry::builder()
        .id(id.to_string())
        .message(&message.body)
        .set_subject(prepared.subject.clone())
        .set_message_attributes(sdk_attributes(&message.attributes)?)
        .set_message_group_id(message.group_id.clone())
        .set_message_deduplication_id(message.dedup_id.clone())
        .build()
        .map_err(|e| {
            Error::Rejected(Rejected {
                code: "InvalidEntry".into(),
                message: Some(e.to_string()),
                sender_fault: true,
            })
        })
}

/// The ARN of the topic called `name`: the one whose ARN ends in `:name`.
async fn find_topic(client: &aws_sdk_sns::Client, name: &str) -> Result<String, Error> {
    let mut pages = client.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("sns", "ListTopics", e))?;
        let found = page
            .topics
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.topic_arn)
            .find(|arn| arn.rsplit(':').next() == Some(name));
        if let Some(arn) = found {
            return Ok(arn);
        }
    }
    Err(Error::TopicNotFound(name.to_owned()))
}
