//! `Topic` against a real SNS and SQS (moto): publish → SNS → SQS → receive with aws-sdk-sqs →
//! decode with `Inbound::decode`, the code the SQS context runs. The same payload, attributes
//! and Session arrive in envelope and raw delivery.

// Over 400 lines: one test per promise of `Topic` against moto, sharing one fixture.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use serde::{Deserialize, Serialize};
use updraft_core::Session;
use updraft_core::error::{Kind, Surface};
use updraft_core::message::{AttributeValue, Inbound, MAX_MESSAGE_BYTES};
use updraft_sns::{Attributes, Error, OutboundError, PublishOptions, Topic};
use updraft_testkit::{aws_config, unique_name};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    note: String,
}

fn order(id: u32) -> Order {
    Order {
        id,
        note: format!("order {id}"),
    }
}

struct Bus {
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    topic_arn: String,
}

impl Bus {
    async fn new(fifo: bool) -> Self {
        let config = aws_config().await;
        let sns = aws_sdk_sns::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let mut request = sns.create_topic();
        request = if fifo {
            request
                .name(format!("{}.fifo", unique_name("topic")))
                .attributes("FifoTopic", "true")
        } else {
            request.name(unique_name("topic"))
        };
        let topic_arn = request.send().await.unwrap().topic_arn.unwrap();
        Self {
            sns,
            sqs,
            topic_arn,
        }
    }

    async fn topic(&self) -> Topic<Order> {
        Topic::from_arn(&aws_config().await, &self.topic_arn)
    }

    /// A new queue subscribed to the topic; `raw` turns on raw message delivery.
    async fn queue(&self, raw: bool) -> String {
        let fifo = updraft_core::message::is_fifo(&self.topic_arn);
        let mut request = self.sqs.create_queue();
        request = if fifo {
            request
                .queue_name(format!("{}.fifo", unique_name("sub")))
                .attributes(QueueAttributeName::FifoQueue, "true")
        } else {
            request.queue_name(unique_name("sub"))
        };
        let url = request.send().await.unwrap().queue_url.unwrap();
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let queue_arn = attributes.attributes.unwrap()[&QueueAttributeName::QueueArn].clone();
        let mut subscribe = self
            .sns
            .subscribe()
            .topic_arn(&self.topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn);
        if raw {
            subscribe = subscribe.attributes("RawMessageDelivery", "true");
        }
        subscribe.send().await.unwrap();
        url
    }

    /// Receives until `count` messages arrived (or 10 s passed), deleting each.
    async fn drain(&self, url: &str, count: usize) -> Vec<Message> {
        let mut messages = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while messages.len() < count && tokio::time::Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for message in out.messages.unwrap_or_default() {
                let handle = message.receipt_handle.clone().unwrap();
                self.sqs
                    .delete_message()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .unwrap();
                messages.push(message);
            }
        }
        messages
    }
}

/// What the SQS context reads out of a received message.
fn inbound(message: &Message) -> Inbound {
    let attributes: BTreeMap<String, AttributeValue> = message
        .message_attributes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| {
            let typed = match value.binary_value {
                Some(blob) => AttributeValue::Binary(blob.into_inner()),
                None => AttributeValue::from_typed_text(
                    &name,
                    &value.data_type,
                    value.string_value.as_deref().unwrap_or_default(),
                )
                .unwrap(),
            };
            (name, typed)
        })
        .collect();
    Inbound::decode(message.body.clone().unwrap_or_default(), attributes).unwrap()
}

fn ids(messages: &[Message]) -> Vec<u32> {
    let mut ids: Vec<u32> = messages
        .iter()
        .map(|m| serde_json::from_str::<Order>(&inbound(m).body).unwrap().id)
        .collect();
    ids.sort_unstable();
    ids
}

fn session() -> Session {
    Session::with_state("ohio").and_user(serde_json::json!({"id": 7, "roles": ["buyer"]}))
}

#[tokio::test]
async fn envelope_delivery_carries_every_attribute_type_the_subject_and_the_session() {
    let bus = Bus::new(false).await;
    let queue = bus.queue(false).await;
    let topic = bus.topic().await;
    let attributes = Attributes::new()
        .string("priority", "high")
        .number("total", 1234.5)
        .binary("checksum", [0, 255, 7])
        .string_array("tags", ["gift", "fragile"]);
    let options = PublishOptions::new()
        .subject("New order")
        .attributes(attributes);
    session()
        .scope(topic.publish_with(&order(1), options))
        .await
        .unwrap();
    let received = bus.drain(&queue, 1).await;
    let inbound = inbound(&received[0]);
    assert_eq!(
        serde_json::from_str::<Order>(&inbound.body).unwrap(),
        order(1)
    );
    assert_eq!(inbound.session, Some(session()));
    assert_eq!(inbound.topic_arn.as_deref(), Some(bus.topic_arn.as_str()));
    assert_eq!(inbound.subject.as_deref(), Some("New order"));
    assert_eq!(
        inbound.attributes["priority"],
        AttributeValue::String("high".into())
    );
    assert_eq!(
        inbound.attributes["total"],
        AttributeValue::Number("1234.5".into())
    );
    assert_eq!(
        inbound.attributes["checksum"],
        AttributeValue::Binary(vec![0, 255, 7])
    );
    assert_eq!(
        inbound.attributes["tags"],
        AttributeValue::StringArray(r#"["gift","fragile"]"#.into())
    );
}

#[tokio::test]
async fn raw_and_envelope_delivery_decode_to_the_same_message() {
    // Binary attributes are left out here: moto fails the receive of a raw-delivered Binary
    // attribute with HTTP 500. The envelope test above covers them.
    let bus = Bus::new(false).await;
    let envelope_queue = bus.queue(false).await;
    let raw_queue = bus.queue(true).await;
    let topic = bus.topic().await;
    let attributes = Attributes::new()
        .string("priority", "high")
        .number("attempt", 3)
        .string_array("tags", ["a", "b"]);
    session()
        .scope(topic.publish_with(&order(2), PublishOptions::new().attributes(attributes)))
        .await
        .unwrap();
    let from_envelope = inbound(&bus.drain(&envelope_queue, 1).await[0]);
    let raw = inbound(&bus.drain(&raw_queue, 1).await[0]);
    assert_eq!(raw.body, from_envelope.body);
    assert_eq!(raw.attributes, from_envelope.attributes);
    assert_eq!(raw.session, Some(session()));
    assert_eq!(from_envelope.session, Some(session()));
    assert_eq!(raw.topic_arn, None, "raw delivery has no envelope");
    assert_eq!(
        from_envelope.topic_arn.as_deref(),
        Some(bus.topic_arn.as_str())
    );
}

#[tokio::test]
async fn batches_use_the_fewest_calls_and_every_item_arrives() {
    for (count, calls) in [(1, 1), (10, 1), (11, 2), (25, 3), (100, 10)] {
        let bus = Bus::new(false).await;
        let queue = bus.queue(true).await;
        let topic = bus.topic().await;
        let items: Vec<Order> = (0..count).map(order).collect();
        let results = session().scope(topic.publish_batch(&items)).await.unwrap();
        assert_eq!(results.len(), items.len());
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(topic.batch_calls(), calls, "{count} items");
        let received = bus.drain(&queue, items.len()).await;
        assert_eq!(ids(&received), (0..count).collect::<Vec<_>>());
        assert!(
            received
                .iter()
                .all(|m| inbound(m).session == Some(session()))
        );
    }
}

#[tokio::test]
async fn a_batch_whose_size_is_too_big_for_one_call_is_split_before_ten_entries() {
    let bus = Bus::new(false).await;
    let queue = bus.queue(true).await;
    let topic = bus.topic().await;
    let items: Vec<Order> = (0..5)
        .map(|id| Order {
            id,
            note: "x".repeat(60 * 1024),
        })
        .collect();
    let results = topic.publish_batch(&items).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(topic.batch_calls(), 2);
    assert_eq!(ids(&bus.drain(&queue, 5).await), [0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn bad_input_gives_typed_errors_before_any_call() {
    let bus = Bus::new(false).await;
    let queue = bus.queue(true).await;
    let topic = bus.topic().await;
    let huge = Order {
        id: 1,
        note: "x".repeat(MAX_MESSAGE_BYTES),
    };
    assert!(matches!(
        topic.publish(&huge).await,
        Err(Error::Message(OutboundError::TooLarge { .. }))
    ));
    let bad_names = [
        "", "AWS.x", "amazon.x", ".lead", "trail.", "a..b", "sp ace", "é",
    ];
    for name in bad_names {
        let options = PublishOptions::new().attributes(Attributes::new().string(name, "v"));
        let result = topic.publish_with(&order(2), options).await;
        assert!(
            matches!(
                result,
                Err(Error::Message(OutboundError::InvalidAttribute(_)))
            ),
            "{name:?}: {result:?}"
        );
    }
    let bad_values = [
        Attributes::new().number("n", f64::NAN),
        Attributes::new().number("n", "12abc"),
        Attributes::new().string("s", "bell\u{7}"),
        Attributes::new().value(
            "a",
            AttributeValue::StringArray("{\"not\": \"an array\"}".into()),
        ),
    ];
    for attributes in bad_values {
        let result = topic
            .publish_with(
                &order(2),
                PublishOptions::new().attributes(attributes.clone()),
            )
            .await;
        assert!(
            matches!(
                result,
                Err(Error::Message(OutboundError::InvalidAttribute(_)))
            ),
            "{attributes:?}: {result:?}"
        );
    }
    assert!(matches!(
        topic
            .publish_with(&order(2), PublishOptions::new().subject("a\nb"))
            .await,
        Err(Error::InvalidSubject(_))
    ));
    assert!(matches!(
        topic
            .publish_with(&order(2), PublishOptions::new().group("g"))
            .await,
        Err(Error::Message(OutboundError::NotFifo(_)))
    ));
    assert!(matches!(
        topic.publish_batch(Vec::<Order>::new()).await,
        Err(Error::EmptyBatch)
    ));

    let results = topic
        .publish_batch([order(3), huge, order(4)])
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), Kind::BadInput);
    assert_eq!(topic.batch_calls(), 1);
    assert_eq!(
        ids(&bus.drain(&queue, 2).await),
        [3, 4],
        "only the valid ones were published"
    );
}

#[tokio::test]
async fn a_named_topic_is_found_once_and_a_missing_one_is_a_typed_error() {
    let bus = Bus::new(false).await;
    let name = bus.topic_arn.rsplit(':').next().unwrap();
    let topic: Topic<Order> = Topic::named(&aws_config().await, name);
    assert_eq!(topic.arn().await.unwrap(), bus.topic_arn);
    topic.publish(&order(1)).await.unwrap();
    let missing: Topic<Order> = Topic::named(&aws_config().await, unique_name("no-such-topic"));
    let error = missing.publish(&order(1)).await.unwrap_err();
    assert!(matches!(error, Error::TopicNotFound(_)), "{error:?}");
    assert_eq!(
        error.kind(),
        Kind::Config,
        "a missing topic is a server fault"
    );
}

#[tokio::test]
async fn fifo_group_and_dedup_ids_arrive_and_content_dedup_drops_a_repeat() {
    let bus = Bus::new(true).await;
    let queue = bus.queue(true).await;
    let topic = bus.topic().await;
    assert!(matches!(
        topic.publish(&order(1)).await,
        Err(Error::Message(OutboundError::MissingGroupId(_)))
    ));
    let published = topic
        .publish_with(
            &order(1),
            PublishOptions::new()
                .group("customer-1")
                .dedup_id("order-1"),
        )
        .await
        .unwrap();
    assert!(!published.message_id.is_empty());
    let results = topic
        .publish_batch_with([
            (
                order(2),
                PublishOptions::new().group("customer-2").content_dedup(),
            ),
            (
                order(2),
                PublishOptions::new().group("customer-2").content_dedup(),
            ),
            (
                order(3),
                PublishOptions::new().group("customer-2").content_dedup(),
            ),
        ])
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let received = bus.drain(&queue, 3).await;
    let system = |m: &Message, name: MessageSystemAttributeName| {
        m.attributes.as_ref().and_then(|a| a.get(&name).cloned())
    };
    let first = received
        .iter()
        .find(|m| inbound(m).body.contains("\"id\":1"))
        .unwrap();
    assert_eq!(
        system(first, MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("customer-1")
    );
    assert_eq!(
        system(first, MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
        Some("order-1")
    );
    assert_eq!(ids(&received), [1, 2, 3], "the repeat of 2 was dropped");
}

/// A fake SNS: moto never throttles, so a fake endpoint answers the first PublishBatch with
/// one entry throttled and one left out of the answer, and the retry with success.
#[tokio::test]
async fn fake_sns_throttled_and_unanswered_entries_are_retried() {
    use updraft_testkit::{Canned, FakeEndpoint};
    const XML: &str = "text/xml";
    let answer = |successful: &str, failed: &str| {
        format!(
            "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult>\
             <Successful>{successful}</Successful><Failed>{failed}</Failed></PublishBatchResult>\
             <ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></PublishBatchResponse>"
        )
    };
    let ok = |id: u32| format!("<member><Id>{id}</Id><MessageId>m-{id}</MessageId></member>");
    let throttled = "<member><Id>1</Id><Code>Throttling</Code><Message>Rate exceeded</Message><SenderFault>true</SenderFault></member>";
    let fake = FakeEndpoint::start(vec![
        Canned::ok(XML, answer(&ok(0), throttled)),
        Canned::ok(XML, answer(&format!("{}{}", ok(1), ok(2)), "")),
    ])
    .await;
    let topic: Topic<Order> =
        Topic::from_arn(&fake.aws_config().await, "arn:aws:sns:us-east-1:1:orders").batch_policy(
            updraft_sns::BatchPolicy {
                retry: updraft_core::aws::backoff::Backoff::new(
                    Duration::from_millis(1),
                    Duration::from_millis(2),
                    3,
                ),
                ..Default::default()
            },
        );
    let results = topic
        .publish_batch([order(0), order(1), order(2)])
        .await
        .unwrap();
    let message_ids: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().unwrap().message_id.as_str())
        .collect();
    assert_eq!(message_ids, ["m-0", "m-1", "m-2"]);
    assert_eq!(topic.batch_calls(), 2);
    let retry = &fake.requests()[1].body;
    assert!(
        retry.contains("Id=1") && retry.contains("Id=2") && !retry.contains("Id=0"),
        "{retry}"
    );
}
