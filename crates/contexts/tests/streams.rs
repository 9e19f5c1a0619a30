//! Kinesis and DynamoDB Streams: processing in order, the first failure stops the batch and is
//! the one sequence number reported.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::streams::{self, KinesisRecord};

const KINESIS: &str = include_str!("../fixtures/kinesis.json");
const DYNAMODB: &str = include_str!("../fixtures/dynamodb-streams.json");

#[derive(Deserialize)]
struct Click {
    page: String,
}

fn failed(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn kinesis_records_run_in_order_and_succeed() {
    let pages = Arc::new(Mutex::new(Vec::new()));
    let seen = pages.clone();
    let consumer = streams::kinesis(move |record: KinesisRecord<Click>| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(record.body.page);
            Ok::<(), String>(())
        }
    });
    let response = invoke(consumer, KINESIS.as_bytes(), None).await.unwrap();
    assert!(failed(&response).is_empty());
    assert_eq!(*pages.lock().unwrap(), ["/home", "/cart"]);
}

#[tokio::test]
async fn the_first_kinesis_failure_stops_the_batch() {
    let mut event: Value = serde_json::from_str(KINESIS).unwrap();
    let first = event["Records"][0].clone();
    let mut third = first.clone();
    third["kinesis"]["sequenceNumber"] = json!("third");
    event["Records"].as_array_mut().unwrap().push(third);
    let runs = Arc::new(Mutex::new(0));
    let count = runs.clone();
    let consumer = streams::kinesis(move |record: KinesisRecord<Click>| {
        let count = count.clone();
        async move {
            *count.lock().unwrap() += 1;
            if record.body.page == "/cart" {
                Err("cart is broken")
            } else {
                Ok(())
            }
        }
    });
    let response = invoke(consumer, event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failed(&response),
        [event["Records"][1]["kinesis"]["sequenceNumber"]
            .as_str()
            .unwrap()]
    );
    assert_eq!(*runs.lock().unwrap(), 2, "nothing after the failure runs");
}

#[tokio::test]
async fn undecodable_kinesis_data_and_panics_stop_the_batch_too() {
    let mut event: Value = serde_json::from_str(KINESIS).unwrap();
    event["Records"][0]["kinesis"]["data"] = json!("bm90IGpzb24=");
    let consumer = streams::kinesis(|_: KinesisRecord<Click>| async { Ok::<(), String>(()) });
    let response = invoke(consumer, event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failed(&response),
        [event["Records"][0]["kinesis"]["sequenceNumber"]
            .as_str()
            .unwrap()]
    );
    let panicking = streams::kinesis(|_: KinesisRecord<Click>| async {
        panic!("no");
        #[allow(unreachable_code, reason = "the type of the future")]
        Ok::<(), String>(())
    });
    let response = invoke(panicking, KINESIS.as_bytes(), None).await.unwrap();
    assert_eq!(failed(&response).len(), 1);
}

#[tokio::test]
async fn dynamodb_streams_report_the_first_failed_sequence_number() {
    let names = Arc::new(Mutex::new(Vec::new()));
    let seen = names.clone();
    let consumer = streams::dynamodb(move |record: updraft_contexts::streams::DynamoDbRecord| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(record.event_name.clone());
            if record.event_name == "MODIFY" {
                Err("modify is not supported")
            } else {
                Ok(())
            }
        }
    });
    let response = invoke(consumer, DYNAMODB.as_bytes(), None).await.unwrap();
    assert_eq!(failed(&response), ["222"]);
    assert_eq!(*names.lock().unwrap(), ["INSERT", "MODIFY"]);
}

#[tokio::test]
async fn malformed_stream_events_are_diagnostics() {
    let kinesis = streams::kinesis(|_: KinesisRecord<Click>| async { Ok::<(), String>(()) });
    for bad in [
        r#"{"Records": [{"kinesis": {"data": 5}}]}"#,
        "nope",
        r#"{"Records": {}}"#,
    ] {
        let diagnostic = invoke(kinesis.clone(), bad.as_bytes(), None)
            .await
            .unwrap_err();
        assert_eq!(
            diagnostic.error_type, "updraft.contexts.UnrecognizedEvent",
            "{bad}"
        );
    }
    let dynamodb = streams::dynamodb(|_| async { Ok::<(), String>(()) });
    let diagnostic = invoke(dynamodb, br#"{"Records": [{"dynamodb": "x"}]}"#, None)
        .await
        .unwrap_err();
    assert_eq!(diagnostic.error_type, "updraft.contexts.UnrecognizedEvent");
}
