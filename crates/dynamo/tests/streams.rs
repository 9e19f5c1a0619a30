//! DynamoDB Streams records with typed images: AWS's sample event, the records DynamoDB Local
//! writes to a real stream for a put, an update and a delete, and malformed records.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use updraft_contexts::aws_lambda_events::event::dynamodb::{Event, EventRecord};
use updraft_core::SignedClient;
use updraft_dynamo::stream::{Change, DecodeError, StreamRecord, typed};
use updraft_dynamo::{Binary, Dynamo, Model};

/// The shape of AWS's sample records.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Example-Table")]
struct Example {
    #[dynamo(hash)]
    key: String,
    val: String,
    asdf1: Binary,
    asdf2: BTreeSet<Binary>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Orders")]
struct Order {
    #[dynamo(hash)]
    id: String,
    total_cents: u64,
}

fn sample() -> Event {
    serde_json::from_str(include_str!("fixtures/dynamodb-streams-event.json")).unwrap()
}

#[test]
fn awss_sample_event_decodes_into_the_model() {
    for record in sample().records {
        let decoded = StreamRecord::<Example>::decode(record).unwrap();
        assert_eq!(decoded.change, Change::Insert);
        assert!(decoded.old.is_none());
        let new = decoded.new.unwrap();
        assert_eq!((new.key.as_str(), new.val.as_str()), ("binary", "data"));
        assert_eq!(new.asdf1, Binary(vec![0, 1, 42, 65]));
        assert_eq!(new.asdf2.len(), 2);
        assert_eq!(decoded.sequence_number, "1405400000000002063282832");
        assert!(decoded.keys.contains_key("key"));
        assert!(!decoded.expired, "an insert is never an expiry");
    }
}

fn record(value: Value) -> EventRecord {
    serde_json::from_value(value).unwrap()
}

fn order_record(name: &str, new: &Value, old: &Value, identity: &Value) -> EventRecord {
    record(json!({
        "eventID": "e-1", "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "userIdentity": identity,
        "dynamodb": {
            "ApproximateCreationDateTime": 1_480_642_020, "Keys": {"id": {"S": "o-1"}},
            "NewImage": new, "OldImage": old, "SequenceNumber": "111", "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    }))
}

#[test]
fn removals_by_time_to_live_say_so() {
    let old = json!({"id": {"S": "o-1"}, "total_cents": {"N": "100"}});
    let ttl = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    let expired =
        StreamRecord::<Order>::decode(order_record("REMOVE", &json!(null), &old, &ttl)).unwrap();
    assert!(expired.expired);
    assert_eq!(expired.change, Change::Remove);
    assert_eq!(expired.old.unwrap().total_cents, 100);
    assert!(expired.new.is_none());
    let deleted =
        StreamRecord::<Order>::decode(order_record("REMOVE", &json!(null), &old, &json!(null)))
            .unwrap();
    assert!(!deleted.expired);
}

#[test]
fn malformed_records_are_decode_errors_naming_the_part() {
    let cases = [
        (
            order_record(
                "UPSERT",
                &json!({"id": {"S": "o-1"}, "total_cents": {"N": "1"}}),
                &json!(null),
                &json!(null),
            ),
            "eventName",
        ),
        (
            order_record(
                "INSERT",
                &json!({"id": {"S": "o-1"}, "total_cents": {"S": "lots"}}),
                &json!(null),
                &json!(null),
            ),
            "NewImage",
        ),
        (
            order_record(
                "MODIFY",
                &json!({"id": {"S": "o-1"}, "total_cents": {"N": "1"}}),
                &json!({"id": {"S": "o-1"}}),
                &json!(null),
            ),
            "OldImage",
        ),
        (
            order_record(
                "INSERT",
                &json!({"id": {"S": "o-1"}, "total_cents": {"N": "-1"}}),
                &json!(null),
                &json!(null),
            ),
            "NewImage",
        ),
    ];
    for (raw, expected) in cases {
        match StreamRecord::<Order>::decode(raw) {
            Err(error @ DecodeError { part, .. }) => {
                assert_eq!(part, expected);
                assert!(error.to_string().contains("111"), "{error}");
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
}

/// A table with a stream on DynamoDB Local, and the stream's records, read with the Streams
/// API (signed raw requests: DynamoDB Local serves it on the DynamoDB endpoint).
async fn stream_records(dynamo: &Dynamo, table: &str) -> Vec<Value> {
    let sdk = dynamo.sdk();
    let described = sdk.describe_table().table_name(table).send().await.unwrap();
    let arn = described
        .table()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_owned();
    let env = updraft_testkit::servers_env();
    let config = updraft_testkit::aws_config().await;
    let streams = SignedClient::builder(&config, "dynamodb")
        .endpoint(env.require("AWS_ENDPOINT_URL_DYNAMODB").unwrap())
        .build()
        .unwrap();
    let call = async |target: &str, body: Value| -> Value {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-amz-target",
            format!("DynamoDBStreams_20120810.{target}")
                .parse()
                .unwrap(),
        );
        headers.insert(
            "content-type",
            "application/x-amz-json-1.0".parse().unwrap(),
        );
        let answer = streams
            .send(http::Method::POST, "/", headers, body.to_string().into())
            .await
            .unwrap();
        answer.json().unwrap()
    };
    let stream = call("DescribeStream", json!({"StreamArn": arn})).await;
    let mut records = Vec::new();
    for shard in stream["StreamDescription"]["Shards"].as_array().unwrap() {
        let iterator = call(
            "GetShardIterator",
            json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
        )
        .await;
        let page = call(
            "GetRecords",
            json!({"ShardIterator": iterator["ShardIterator"]}),
        )
        .await;
        records.extend(page["Records"].as_array().unwrap().iter().cloned());
    }
    records
}

#[tokio::test]
async fn a_real_streams_put_update_and_delete_reach_a_typed_handler_in_order() {
    let dynamo = Dynamo::new(&updraft_testkit::aws_config().await);
    let name = updraft_testkit::unique_name("orders-stream");
    support::create_streamed_table(&dynamo, &name, "id").await;
    let orders = dynamo.table_named::<Order>(&name);
    let fields = Order::fields();
    orders
        .put(&Order {
            id: "o-1".into(),
            total_cents: 100,
        })
        .await
        .unwrap();
    orders
        .update("o-1", fields.total_cents().set(150u64))
        .await
        .unwrap();
    orders.delete("o-1").await.unwrap();

    let mut records = stream_records(&dynamo, &name).await;
    dynamo
        .sdk()
        .delete_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(records.len(), 3, "{records:#?}");
    // A fourth record whose new image is not an Order: the batch stops there.
    let mut broken = records[1].clone();
    broken["dynamodb"]["NewImage"]["total_cents"] = json!({"S": "a lot"});
    broken["dynamodb"]["SequenceNumber"] = json!("999");
    records.push(broken);
    let event: Event = serde_json::from_value(json!({ "Records": records })).unwrap();

    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let consumer =
        updraft_contexts::streams::dynamodb(typed(move |record: StreamRecord<Order>| {
            let log = log.clone();
            async move {
                let total = |order: &Option<Order>| order.as_ref().map(|o| o.total_cents);
                log.lock()
                    .unwrap()
                    .push((record.change, total(&record.old), total(&record.new)));
                Ok::<(), String>(())
            }
        }));
    let response = consumer.process(event).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (Change::Insert, None, Some(100)),
            (Change::Modify, Some(100), Some(150)),
            (Change::Remove, Some(150), None),
        ]
    );
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failed,
        [Some("999".to_owned())],
        "the undecodable record is the one reported"
    );
}
