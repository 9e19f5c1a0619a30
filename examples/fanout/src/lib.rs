//! The `fanout` example as a library, so its test and `main` share it.
//!
//! 1. [`Bus::create`] makes a topic and two queues subscribed to it: `all` (envelope delivery,
//!    no filter) and `high` (raw delivery, filter policy `{"priority": ["high"]}`).
//! 2. [`publish_orders`] publishes the orders in one `publish_batch`, every fifth with
//!    `priority=high`, while a Session with state `ohio` is current.
//! 3. [`drain`] reads a queue with the SQS context's local poller, the code a Lambda consumer
//!    runs, so each order arrives decoded with its Session.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use updraft::contexts::aws_sdk_sqs;
use updraft::contexts::sqs::poller::LocalQueue;
use updraft::contexts::sqs::{self, Record};
use updraft::core::{SdkConfig, Session};
use updraft::sns::aws_sdk_sns;
use updraft::sns::{Attributes, PublishOptions, Topic};

/// An order, the message body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The order number.
    pub id: u32,
    /// What was ordered.
    pub item: String,
    /// The total, in cents.
    pub total_cents: u64,
}

/// Any failure of the example, as text.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The topic and the two queues subscribed to it.
#[derive(Debug)]
pub struct Bus {
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    /// The topic's ARN.
    pub topic_arn: String,
    /// The queue that gets every order.
    pub all_url: String,
    /// The queue that gets the orders with `priority=high`.
    pub high_url: String,
}

impl Bus {
    /// Creates the topic and queues, their names ending in `suffix`, and subscribes the queues.
    ///
    /// # Errors
    ///
    /// When an SNS or SQS call fails.
    pub async fn create(config: &SdkConfig, suffix: &str) -> Result<Self, Error> {
        let sns = aws_sdk_sns::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        let topic_arn = sns
            .create_topic()
            .name(format!("orders-{suffix}"))
            .send()
            .await?
            .topic_arn
            .unwrap_or_default();
        let all_url = subscribe(&sns, &sqs, &topic_arn, &format!("all-{suffix}"), None).await?;
        let high = r#"{"priority": ["high"]}"#;
        let high_url = subscribe(
            &sns,
            &sqs,
            &topic_arn,
            &format!("high-{suffix}"),
            Some(high),
        )
        .await?;
        Ok(Self {
            sns,
            sqs,
            topic_arn,
            all_url,
            high_url,
        })
    }

    /// Deletes the queues and the topic.
    ///
    /// # Errors
    ///
    /// When an SNS or SQS call fails.
    pub async fn delete(self) -> Result<(), Error> {
        for url in [&self.all_url, &self.high_url] {
            self.sqs.delete_queue().queue_url(url).send().await?;
        }
        self.sns
            .delete_topic()
            .topic_arn(&self.topic_arn)
            .send()
            .await?;
        Ok(())
    }
}

/// Creates a queue and subscribes it: raw delivery with a filter policy, envelope without.
async fn subscribe(
    sns: &aws_sdk_sns::Client,
    sqs: &aws_sdk_sqs::Client,
    topic_arn: &str,
    name: &str,
    filter: Option<&str>,
) -> Result<String, Error> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?;
    let queue_arn = attributes
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .unwrap_or_default();
    // On AWS a queue takes messages from a topic only when its policy says so.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::Policy, policy.to_string())
        .send()
        .await?;
    let mut request = sns
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn);
    if let Some(policy) = filter {
        request = request
            .attributes("FilterPolicy", policy)
            .attributes("RawMessageDelivery", "true");
    }
    request.send().await?;
    Ok(url)
}

/// Publishes `count` orders in one batch (ten per call), every fifth with `priority=high`, in a
/// Session with state `ohio`.
///
/// # Errors
///
/// When the batch cannot be sent, or any order in it failed.
pub async fn publish_orders(topic: &Topic<Order>, count: u32) -> Result<(), Error> {
    let orders = (0..count).map(|id| {
        let priority = if id % 5 == 0 { "high" } else { "normal" };
        let order = Order {
            id,
            item: format!("item {id}"),
            total_cents: 100 * u64::from(id + 1),
        };
        (
            order,
            PublishOptions::new().attributes(Attributes::new().string("priority", priority)),
        )
    });
    let results = Session::with_state("ohio")
        .scope(topic.publish_batch_with(orders))
        .await?;
    for result in results {
        result?;
    }
    Ok(())
}

/// Reads `url` until it is empty, through the SQS context's consumer, and returns the records.
///
/// # Errors
///
/// When a receive or delete fails.
pub async fn drain(config: &SdkConfig, url: &str) -> Result<Vec<Record<Order>>, Error> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let consumer = sqs::consumer(move |record: Record<Order>| {
        let sink = sink.clone();
        async move {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(record);
            Ok::<_, String>(())
        }
    });
    let queue = LocalQueue::new(config, url).wait(Duration::from_secs(1));
    while queue.poll_once(&consumer).await?.received > 0 {}
    let mut records = std::mem::take(&mut *received.lock().unwrap_or_else(PoisonError::into_inner));
    records.sort_by_key(|r| r.body.id);
    Ok(records)
}
