//! The wrappers in the contexts' invoke and SQS handlers, with records in DynamoDB Local.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::sqs::{self, Record};
use updraft_core::Session;
use updraft_dynamo::Dynamo;
use updraft_idempotency::sqs::RecordKey;
use updraft_idempotency::{Idempotency, Key};
use updraft_testkit::{aws_config, unique_name};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Order {
    id: String,
    slow: bool,
}

async fn idempotency() -> (Idempotency, Dynamo) {
    let dynamo = Dynamo::new(&aws_config().await);
    let idempotency =
        Idempotency::new(&dynamo, unique_name("idempotency-ctx")).function_name("tests");
    idempotency.create_table_if_missing().await.unwrap();
    (idempotency, dynamo)
}

async fn drop_table(dynamo: &Dynamo, idempotency: &Idempotency) {
    let _ = dynamo
        .sdk()
        .delete_table()
        .table_name(idempotency.table_name())
        .send()
        .await;
}

fn batch(records: &[(&str, &str, bool)]) -> Vec<u8> {
    let records: Vec<Value> = records
        .iter()
        .map(|(message_id, id, slow)| {
            json!({
                "messageId": message_id,
                "body": json!({"id": id, "slow": slow}).to_string(),
                "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {"session": {
                    "dataType": "String",
                    "stringValue": Session::with_state("ohio").to_attribute()
                }}
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

/// A record handler's future.
type Shipped = std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

fn shipper(runs: &Arc<AtomicUsize>) -> impl Fn(Record<Order>) -> Shipped + Send + Sync + 'static {
    let runs = runs.clone();
    move |record: Record<Order>| {
        let runs = runs.clone();
        Box::pin(async move {
            if record.body.slow {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_redelivered_record_does_not_run_again_and_the_batch_proceeds() {
    let (idempotency, dynamo) = idempotency().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let event = batch(&[("m-1", "o-1", false), ("m-2", "o-2", false)]);
    for _ in 0..2 {
        let service = sqs::consumer(idempotency.sqs("ship", RecordKey::MessageId, shipper(&runs)))
            .into_service();
        let response = invoke(service, &event, None).await.unwrap();
        assert!(failures(&response).is_empty(), "{response}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2, "each message ran once");

    // By body fields: the same order sent as two messages runs once.
    let by_order = batch(&[("m-3", "o-3", false), ("m-4", "o-3", false)]);
    let service = sqs::consumer(idempotency.sqs(
        "ship-by-order",
        RecordKey::Fields(vec!["id".into()]),
        shipper(&runs),
    ))
    .concurrency(1)
    .into_service();
    let response = invoke(service, &by_order, None).await.unwrap();
    assert!(failures(&response).is_empty(), "{response}");
    assert_eq!(runs.load(Ordering::SeqCst), 3);

    // A body without the key's fields fails the record, never runs it unguarded.
    let keyless = sqs::consumer(idempotency.sqs(
        "ship-by-customer",
        RecordKey::Fields(vec!["customer".into()]),
        shipper(&runs),
    ))
    .into_service();
    let response = invoke(keyless, &batch(&[("m-6", "o-6", false)]), None)
        .await
        .unwrap();
    assert_eq!(failures(&response), ["m-6"]);
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    drop_table(&dynamo, &idempotency).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_record_in_progress_elsewhere_is_reported_failed_to_come_back() {
    let (idempotency, dynamo) = idempotency().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let event = batch(&[("m-5", "o-5", true)]);
    let deliveries: Vec<_> = (0..2)
        .map(|_| {
            let service =
                sqs::consumer(idempotency.sqs("ship", RecordKey::MessageId, shipper(&runs)))
                    .into_service();
            let event = event.clone();
            tokio::spawn(async move { invoke(service, &event, None).await.unwrap() })
        })
        .collect();
    let mut failed = Vec::new();
    for delivery in deliveries {
        failed.extend(failures(&delivery.await.unwrap()));
    }
    assert_eq!(
        failed,
        ["m-5"],
        "one delivery ran it, the other comes back later"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    drop_table(&dynamo, &idempotency).await;
}

#[tokio::test]
async fn the_invoke_context_replays_and_retries_after_an_envelope_error() {
    let (idempotency, dynamo) = idempotency().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let wrapped = idempotency.wrap("sum", Key::fields(["a", "b"]), move |input: Value| {
        let counter = counter.clone();
        async move {
            let run = counter.fetch_add(1, Ordering::SeqCst) + 1;
            if input["b"] == 0 {
                return Err("b must not be zero".to_owned());
            }
            Ok(json!({"sum": input["a"].as_i64().unwrap() + input["b"].as_i64().unwrap(), "run": run}))
        }
    });
    let handler = updraft_contexts::invoke::handler(wrapped.handler());
    let call = |data: Value| {
        let handler = handler.clone();
        async move {
            let event = json!({"session": {"state": "ohio"}, "data": data}).to_string();
            invoke(handler, event.as_bytes(), None).await.unwrap()
        }
    };
    let first = call(json!({"a": 2, "b": 40})).await;
    let again = call(json!({"a": 2, "b": 40})).await;
    assert_eq!(
        first,
        json!({"success": true, "data": {"sum": 42, "run": 1}})
    );
    assert_eq!(again, first, "replayed, not run again");
    for _ in 0..2 {
        let failed = call(json!({"a": 2, "b": 0})).await;
        assert_eq!(failed["success"], false);
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "a success: false reply releases the key"
    );
    drop_table(&dynamo, &idempotency).await;
}
