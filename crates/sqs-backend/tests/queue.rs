//! `Queue` against a real SQS (moto): what is sent arrives, decoded by the same code the SQS
//! context uses, in as few calls as the limits allow, with typed errors before any call.

// Over 400 lines: one test per promise of `Queue` against moto, sharing one fixture.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use serde::{Deserialize, Serialize};
use updraft_core::Session;
use updraft_core::error::{Kind, Surface};
use updraft_core::message::{AttributeValue, Inbound, MAX_MESSAGE_BYTES};
use updraft_sqs_backend::{Attributes, Error, OutboundError, Queue, SendOptions};
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

async fn client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&aws_config().await)
}

async fn create_queue(client: &aws_sdk_sqs::Client, fifo: bool) -> String {
    let mut request = client.create_queue();
    if fifo {
        request = request
            .queue_name(format!("{}.fifo", unique_name("backend")))
            .attributes(QueueAttributeName::FifoQueue, "true");
    } else {
        request = request.queue_name(unique_name("backend"));
    }
    request.send().await.unwrap().queue_url.unwrap()
}

/// Receives until `count` messages arrived (or 10 s passed), deleting each.
async fn drain(client: &aws_sdk_sqs::Client, url: &str, count: usize) -> Vec<Message> {
    let mut messages = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while messages.len() < count && tokio::time::Instant::now() < deadline {
        let out = client
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
            client
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

fn body(message: &Message) -> Order {
    serde_json::from_str(&inbound(message).body).unwrap()
}

#[tokio::test]
async fn a_message_arrives_with_every_attribute_type_and_the_session() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
    let attributes = Attributes::new()
        .string("priority", "high")
        .number("attempt", 2.5)
        .binary("checksum", [0, 159, 146, 150]);
    let session = Session::with_state("ohio").and_user(serde_json::json!({"id": 7}));
    let sent = session
        .clone()
        .scope(queue.send_with(&order(1), SendOptions::new().attributes(attributes)))
        .await
        .unwrap();
    assert!(!sent.message_id.is_empty());
    let received = drain(&client, &url, 1).await;
    let inbound = inbound(&received[0]);
    assert_eq!(
        serde_json::from_str::<Order>(&inbound.body).unwrap(),
        order(1)
    );
    assert_eq!(inbound.session, Some(session));
    assert_eq!(
        inbound.attributes["priority"],
        AttributeValue::String("high".into())
    );
    assert_eq!(
        inbound.attributes["attempt"],
        AttributeValue::Number("2.5".into())
    );
    assert_eq!(
        inbound.attributes["checksum"],
        AttributeValue::Binary(vec![0, 159, 146, 150])
    );
}

#[tokio::test]
async fn the_session_can_be_left_out_and_a_named_queue_is_found() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let name = url.rsplit('/').next().unwrap();
    let queue: Queue<Order> = Queue::named(&aws_config().await, name).without_session();
    assert_eq!(queue.url().await.unwrap(), url);
    Session::with_state("ohio")
        .scope(queue.send(&order(2)))
        .await
        .unwrap();
    let received = drain(&client, &url, 1).await;
    assert_eq!(inbound(&received[0]).session, None);
    assert!(received[0].message_attributes.is_none());

    let missing: Queue<Order> = Queue::named(&aws_config().await, unique_name("no-such-queue"));
    let error = missing.send(&order(3)).await.unwrap_err();
    assert!(matches!(error, Error::Aws(_)), "{error:?}");
    assert_eq!(
        error.kind(),
        Kind::Config,
        "a missing queue is a server fault"
    );
}

/// The trace goes out as the `AWSTraceHeader` system attribute of every message: checked
/// end to end through moto for SendMessage, and in the request a proxy in front of moto
/// received for SendMessageBatch (moto keeps system attributes of single sends only).
#[tokio::test]
async fn the_invocations_trace_goes_out_as_the_aws_trace_header() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let moto = updraft_testkit::servers_env()
        .require("AWS_ENDPOINT_URL")
        .unwrap()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = updraft_testkit::FaultProxy::start(moto, updraft_testkit::Exchange::pass).await;
    let config = updraft_core::aws::ConfigLoader::new()
        .env(updraft_testkit::servers_env())
        .endpoint_url(proxy.url())
        .load()
        .await
        .unwrap();
    let queue: Queue<Order> = Queue::from_url(&config, &url);
    let trace = "Root=1-6930a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    let invocation = updraft_core::Invocation::new()
        .with_trace(Some(updraft_core::TraceHeader::parse(trace).unwrap()));
    invocation
        .scope(async {
            queue.send(&order(1)).await.unwrap();
            queue.send_batch(&[order(2), order(3)]).await.unwrap();
        })
        .await;
    queue.send(&order(4)).await.unwrap();
    let received = drain(&client, &url, 4).await;
    assert_eq!(received.len(), 4);
    for message in received {
        let header = message
            .attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::AwsTraceHeader))
            .map(String::as_str);
        match body(&message).id {
            1 => assert_eq!(header, Some(trace)),
            4 => assert_eq!(header, None, "sent outside any invocation"),
            _ => {}
        }
    }
    let batch = proxy
        .requests()
        .into_iter()
        .find(|r| r.header("x-amz-target") == Some("AmazonSQS.SendMessageBatch"))
        .unwrap();
    let batch: serde_json::Value = serde_json::from_str(&batch.body).unwrap();
    let entries = batch["Entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for entry in entries {
        let header = &entry["MessageSystemAttributes"]["AWSTraceHeader"];
        assert_eq!(header["StringValue"], trace, "{entry}");
        assert_eq!(header["DataType"], "String");
    }
}

#[tokio::test]
async fn batches_use_the_fewest_calls_and_every_item_arrives() {
    let client = client().await;
    for (count, calls) in [(1, 1), (10, 1), (11, 2), (25, 3), (100, 10)] {
        let url = create_queue(&client, false).await;
        let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
        let items: Vec<Order> = (0..count).map(order).collect();
        let results = queue.send_batch(&items).await.unwrap();
        assert_eq!(results.len(), items.len());
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(queue.batch_calls(), calls, "{count} items");
        let mut ids: Vec<u32> = drain(&client, &url, items.len())
            .await
            .iter()
            .map(|m| body(m).id)
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..count).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn a_batch_whose_size_is_too_big_for_one_call_is_split_before_ten_entries() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
    // Five messages of 60 KiB: 300 KiB together, over the 256 KiB a call may carry.
    let items: Vec<Order> = (0..5)
        .map(|id| Order {
            id,
            note: "x".repeat(60 * 1024),
        })
        .collect();
    let results = queue.send_batch(&items).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(queue.batch_calls(), 2);
    assert_eq!(drain(&client, &url, 5).await.len(), 5);
}

#[tokio::test]
async fn bad_items_fail_alone_with_typed_errors_and_the_rest_are_sent() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
    let huge = Order {
        id: 1,
        note: "x".repeat(MAX_MESSAGE_BYTES),
    };
    let bad_name = SendOptions::new().attributes(Attributes::new().string("AWS.trace", "1"));
    let results = queue
        .send_batch_with([
            (order(0), SendOptions::new()),
            (huge.clone(), SendOptions::new()),
            (order(2), bad_name),
            (order(3), SendOptions::new()),
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[3].is_ok());
    assert!(
        matches!(
            results[1],
            Err(Error::Message(OutboundError::TooLarge { .. }))
        ),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(
            results[2],
            Err(Error::Message(OutboundError::InvalidAttribute(_)))
        ),
        "{:?}",
        results[2]
    );
    assert_eq!(drain(&client, &url, 2).await.len(), 2);

    assert!(matches!(
        queue.send(&huge).await,
        Err(Error::Message(OutboundError::TooLarge { .. }))
    ));
    assert!(matches!(
        queue.send_batch(Vec::<Order>::new()).await,
        Err(Error::EmptyBatch)
    ));
    let unicode = SendOptions::new().attributes(Attributes::new().string("bad\u{e9}name", "v"));
    assert!(matches!(
        queue.send_with(&order(4), unicode).await,
        Err(Error::Message(OutboundError::InvalidAttribute(_)))
    ));
    let control = SendOptions::new().attributes(Attributes::new().string("note", "\u{1}"));
    assert!(matches!(
        queue.send_with(&order(4), control).await,
        Err(Error::Message(OutboundError::InvalidAttribute(_)))
    ));
    let eleven = (0..11).fold(Attributes::new(), |a, i| a.number(format!("a{i}"), i));
    assert!(matches!(
        queue
            .send_with(&order(4), SendOptions::new().attributes(eleven))
            .await,
        Err(Error::Message(OutboundError::InvalidAttribute(_)))
    ));
    assert_eq!(queue.batch_calls(), 1, "no call for the invalid ones");
}

#[tokio::test]
async fn fifo_group_and_dedup_ids_arrive_and_content_dedup_drops_a_repeat() {
    let client = client().await;
    let url = create_queue(&client, true).await;
    let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
    assert!(matches!(
        queue.send(&order(1)).await,
        Err(Error::Message(OutboundError::MissingGroupId(_)))
    ));
    let sent = queue
        .send_with(
            &order(1),
            SendOptions::new().group("customer-1").dedup_id("order-1"),
        )
        .await
        .unwrap();
    assert!(sent.sequence_number.is_some());
    let batch = [
        (
            order(2),
            SendOptions::new().group("customer-2").content_dedup(),
        ),
        (
            order(2),
            SendOptions::new().group("customer-2").content_dedup(),
        ),
        (
            order(3),
            SendOptions::new().group("customer-2").content_dedup(),
        ),
    ];
    let results = queue.send_batch_with(batch).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let received = drain(&client, &url, 3).await;
    let system = |m: &Message, name: MessageSystemAttributeName| {
        m.attributes.as_ref().and_then(|a| a.get(&name).cloned())
    };
    let first = received.iter().find(|m| body(m).id == 1).unwrap();
    assert_eq!(
        system(first, MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("customer-1")
    );
    assert_eq!(
        system(first, MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
        Some("order-1")
    );
    let ids: Vec<u32> = received.iter().map(|m| body(m).id).collect();
    assert_eq!(
        ids.iter().filter(|&&id| id == 2).count(),
        1,
        "the repeat was dropped: {ids:?}"
    );
    assert_eq!(ids.len(), 3);
    let delayed = SendOptions::new().group("g").delay(Duration::from_secs(1));
    assert!(matches!(
        queue.send_with(&order(9), delayed).await,
        Err(Error::InvalidOption(_))
    ));
}

#[tokio::test]
async fn a_delayed_message_arrives_later() {
    let client = client().await;
    let url = create_queue(&client, false).await;
    let queue: Queue<Order> = Queue::from_url(&aws_config().await, &url);
    queue
        .send_with(&order(1), SendOptions::new().delay(Duration::from_secs(2)))
        .await
        .unwrap();
    let now = client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(
        now.messages.unwrap_or_default().is_empty(),
        "not yet visible"
    );
    assert_eq!(drain(&client, &url, 1).await.len(), 1);
}

/// A fake SQS: moto never throttles, so a fake endpoint answers the first SendMessageBatch
/// with one entry throttled and one refused for good, and the retry with success.
#[tokio::test]
async fn fake_sqs_a_throttled_entry_is_retried_and_a_refused_one_is_reported() {
    use updraft_testkit::{Canned, FakeEndpoint};
    const JSON: &str = "application/x-amz-json-1.0";
    let fake = FakeEndpoint::start(vec![
        Canned::ok(
            JSON,
            r#"{"Successful": [{"Id": "0", "MessageId": "m-0", "MD5OfMessageBody": "x"}],
                "Failed": [{"Id": "1", "SenderFault": true, "Code": "ThrottlingException", "Message": "slow down"},
                           {"Id": "2", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "no"}]}"#,
        ),
        Canned::ok(JSON, r#"{"Successful": [{"Id": "1", "MessageId": "m-1", "MD5OfMessageBody": "x"}], "Failed": []}"#),
    ])
    .await;
    let queue: Queue<Order> = Queue::from_url(
        &fake.aws_config().await,
        "https://sqs.us-east-1.amazonaws.com/1/jobs",
    )
    .batch_policy(updraft_sqs_backend::BatchPolicy {
        retry: updraft_core::aws::backoff::Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
            3,
        ),
        ..Default::default()
    });
    let results = queue
        .send_batch([order(0), order(1), order(2)])
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().message_id, "m-0");
    assert_eq!(
        results[1].as_ref().unwrap().message_id,
        "m-1",
        "retried after the throttle"
    );
    let Err(Error::Rejected(rejected)) = &results[2] else {
        panic!("{:?}", results[2])
    };
    assert_eq!(rejected.code, "InvalidParameterValue");
    assert_eq!(Error::Rejected(rejected.clone()).kind(), Kind::BadInput);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].body.contains(r#""Id":"1""#) && !requests[1].body.contains(r#""Id":"2""#),
        "{}",
        requests[1].body
    );
}

/// aws-python-helper's queue address: the URL made from `AWS_REGION`, `AWS_ACCOUNT_ID`,
/// `SERVICE_NAME`, `QUEUE_NAME` and `ENV` reaches the queue of that name on moto.
#[tokio::test]
async fn a_queue_from_the_environment_reaches_the_queue_its_variables_name() {
    let sqs = client().await;
    let service = unique_name("svc");
    let name = format!("{service}-orders-test");
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let account = url.rsplit('/').nth(1).unwrap().to_owned();
    let env = updraft_testkit::servers_env().with_defaults([
        ("AWS_ACCOUNT_ID", account.as_str()),
        ("SERVICE_NAME", service.as_str()),
        ("QUEUE_NAME", "orders"),
        ("ENV", "test"),
    ]);
    let queue: Queue<Order> = Queue::from_env(&aws_config().await, &env).unwrap();
    assert!(
        queue
            .url()
            .await
            .unwrap()
            .ends_with(&format!("/{account}/{name}"))
    );
    queue.send(&order(7)).await.unwrap();
    let arrived = drain(&sqs, &url, 1).await;
    assert_eq!(arrived.len(), 1);
    let missing = updraft_testkit::servers_env();
    let error = Queue::<Order>::from_env(&aws_config().await, &missing).unwrap_err();
    assert!(matches!(&error, Error::Config(_)), "{error:?}");
    assert_eq!(error.kind(), Kind::Config);
}
