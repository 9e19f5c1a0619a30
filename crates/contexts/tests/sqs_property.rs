//! Over 10 000 random batches, mixing good records, bad bodies, handler errors and panics, with
//! random FIFO group ids: the reported failures are exactly the records that should fail.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::sqs::{self, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Good,
    BadBody,
    Error,
    Panic,
}

#[derive(Deserialize)]
struct Body {
    fate: String,
}

async fn handler(record: Record<Body>) -> Result<(), String> {
    match record.body.fate.as_str() {
        "error" => Err("asked to fail".into()),
        "panic" => panic!("asked to panic"),
        _ => Ok(()),
    }
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![4 => Just(Fate::Good), 1 => Just(Fate::BadBody), 1 => Just(Fate::Error), 1 => Just(Fate::Panic)]
}

fn event(records: &[(Fate, Option<u8>)]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, (fate, group))| {
            let body = match fate {
                Fate::Good => json!({"fate": "good"}).to_string(),
                Fate::BadBody => "{\"fate\": ".to_owned(),
                Fate::Error => json!({"fate": "error"}).to_string(),
                Fate::Panic => json!({"fate": "panic"}).to_string(),
            };
            let mut attributes = json!({"ApproximateReceiveCount": "1"});
            if let Some(group) = group {
                attributes["MessageGroupId"] = json!(group.to_string());
            }
            json!({"messageId": format!("m{i}"), "body": body, "attributes": attributes, "eventSource": "aws:sqs"})
        })
        .collect();
    json!({ "Records": records })
}

/// What must be reported: every non-good record; on FIFO, also every record after the first
/// failure of its group.
fn expected(records: &[(Fate, Option<u8>)]) -> BTreeSet<String> {
    let mut failed_groups = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for (i, (fate, group)) in records.iter().enumerate() {
        let blocked = group.is_some_and(|g| failed_groups.contains(&g));
        if blocked || *fate != Fate::Good {
            expected.insert(format!("m{i}"));
            if let Some(group) = group {
                failed_groups.insert(*group);
            }
        }
    }
    expected
}

fn batch() -> impl Strategy<Value = Vec<(Fate, Option<u8>)>> {
    prop_oneof![
        proptest::collection::vec((fate(), Just(None)), 0..25),
        proptest::collection::vec((fate(), (0u8..4).prop_map(Some)), 1..25),
    ]
}

#[test]
fn reported_failures_are_exactly_the_records_that_should_fail() {
    // Thousands of panics on purpose: keep them off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let consumer = sqs::consumer(handler).concurrency(4);
    let config = ProptestConfig {
        cases: 10_000,
        ..ProptestConfig::default()
    };
    proptest!(config, |(records in batch())| {
        let bytes = event(&records).to_string();
        let response = runtime.block_on(invoke(consumer.clone().into_service(), bytes.as_bytes(), None)).unwrap();
        let reported: Vec<String> = response["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect();
        let unique: BTreeSet<String> = reported.iter().cloned().collect();
        prop_assert_eq!(unique.len(), reported.len(), "no record is reported twice");
        prop_assert_eq!(unique, expected(&records));
    });
}
