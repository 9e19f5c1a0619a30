//! Over random batches (standard and FIFO, per-record and batch mode), mixing good records, bad
//! bodies, handler errors and panics, random FIFO groups and random sessions: the reported
//! failures are exactly the records that failed plus, on FIFO, the records after the first
//! failure of their message group; never a record that succeeded; and no record ever runs
//! under another record's session.
//!
//! `SQS_PROPERTY_CASES` sets the number of batches (default 10 000); `cargo xtask fuzz` raises it.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::sqs::{self, Failures, Group, Record};
use updraft_core::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Good,
    BadBody,
    Error,
    Panic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PerRecord,
    Batch,
}

/// One record: its fate, its FIFO group (on FIFO batches) and its session (0 = none, else
/// one of a few users of two states).
type Spec = (Fate, Option<u8>, u8);

#[derive(Deserialize)]
struct Body {
    fate: String,
    /// The session the sender gave the record, for the handler to compare with the current one.
    owner: u8,
}

fn session(owner: u8) -> Option<Session> {
    (owner > 0).then(|| {
        Session::with_state(if owner.is_multiple_of(2) {
            "ohio"
        } else {
            "iowa"
        })
        .and_user(json!({ "id": owner }))
    })
}

/// Records the ids of records that ran under a session other than their own.
type Wrong = Arc<Mutex<Vec<String>>>;

fn check_session(record: &Record<Body>, wrong: &Wrong) {
    if Session::current() != session(record.body.owner) {
        wrong.lock().unwrap().push(record.message_id.clone());
    }
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![4 => Just(Fate::Good), 1 => Just(Fate::BadBody), 1 => Just(Fate::Error), 1 => Just(Fate::Panic)]
}

fn event(records: &[Spec]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, (fate, group, owner))| {
            let body = match fate {
                Fate::Good => json!({"fate": "good", "owner": owner}).to_string(),
                Fate::BadBody => "{\"fate\": ".to_owned(),
                Fate::Error => json!({"fate": "error", "owner": owner}).to_string(),
                Fate::Panic => json!({"fate": "panic", "owner": owner}).to_string(),
            };
            let mut attributes = json!({"ApproximateReceiveCount": "1"});
            if let Some(group) = group {
                attributes["MessageGroupId"] = json!(group.to_string());
            }
            let mut record = json!({"messageId": format!("m{i}"), "body": body, "attributes": attributes, "eventSource": "aws:sqs"});
            if let Some(session) = session(*owner) {
                record["messageAttributes"] = json!({"session": {"stringValue": session.to_attribute(), "dataType": "String"}});
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

/// Per-record mode: every record that is not good; on FIFO, also every record after the first
/// failure of its group.
fn expected_per_record(records: &[Spec]) -> BTreeSet<String> {
    let mut failed_groups = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for (i, (fate, group, _)) in records.iter().enumerate() {
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

/// Batch mode, where the handler fails its `error` records and panics on a group holding a
/// `panic` record. Standard queues: a bad body fails alone, a group (one whole session) with
/// a panic fails whole, error records fail. FIFO: each message group is cut into runs of one
/// session; the first run that fails (a bad body, a panic, an error) fails from its first
/// failed record on, and so does everything after it in the message group.
fn expected_batch(records: &[Spec]) -> BTreeSet<String> {
    let id = |i: usize| format!("m{i}");
    let mut expected = BTreeSet::new();
    if records.first().is_some_and(|r| r.1.is_none()) {
        let mut by_owner: HashMap<u8, Vec<usize>> = HashMap::new();
        for (i, (fate, _, owner)) in records.iter().enumerate() {
            if *fate == Fate::BadBody {
                expected.insert(id(i));
            } else {
                by_owner.entry(*owner).or_default().push(i);
            }
        }
        for members in by_owner.values() {
            let panics = members.iter().any(|&i| records[i].0 == Fate::Panic);
            for &i in members {
                if panics || records[i].0 == Fate::Error {
                    expected.insert(id(i));
                }
            }
        }
        return expected;
    }
    let mut groups: Vec<(u8, Vec<usize>)> = Vec::new();
    for (i, (_, group, _)) in records.iter().enumerate() {
        let group = group.unwrap_or_default();
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, members)) => members.push(i),
            None => groups.push((group, vec![i])),
        }
    }
    for (_, members) in groups {
        let mut run: Vec<usize> = Vec::new();
        let mut failed_from: Option<usize> = None;
        let settle = |run: &[usize]| -> Option<usize> {
            if run.iter().any(|&i| records[i].0 == Fate::Panic) {
                return run.first().copied();
            }
            run.iter().copied().find(|&i| records[i].0 == Fate::Error)
        };
        for &i in &members {
            if records[i].0 == Fate::BadBody {
                failed_from = settle(&run).or(Some(i));
                break;
            }
            if run
                .first()
                .is_some_and(|&first| records[first].2 != records[i].2)
            {
                if let Some(first) = settle(&run) {
                    failed_from = Some(first);
                    break;
                }
                run.clear();
            }
            run.push(i);
        }
        if failed_from.is_none() {
            failed_from = settle(&run);
        }
        if let Some(first) = failed_from {
            let start = members.iter().position(|&i| i == first).unwrap();
            expected.extend(members[start..].iter().map(|&i| id(i)));
        }
    }
    expected
}

fn batch() -> impl Strategy<Value = (Mode, Vec<Spec>)> {
    let mode = prop_oneof![Just(Mode::PerRecord), Just(Mode::Batch)];
    let records = prop_oneof![
        proptest::collection::vec((fate(), Just(None), 0u8..4), 0..25),
        proptest::collection::vec((fate(), (0u8..4).prop_map(Some), 0u8..4), 1..25),
    ];
    (mode, records)
}

fn cases() -> u32 {
    std::env::var("SQS_PROPERTY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn reported_failures_are_exactly_the_records_that_should_fail() {
    // Thousands of panics on purpose: keep those off stderr, and the rest (a failed case) on.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"asked to panic") {
            default_hook(info);
        }
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wrong: Wrong = Arc::default();
    let per_record = {
        let wrong = wrong.clone();
        sqs::consumer(move |record: Record<Body>| {
            check_session(&record, &wrong);
            async move {
                match record.body.fate.as_str() {
                    "error" => Err("asked to fail".to_owned()),
                    "panic" => panic!("asked to panic"),
                    _ => Ok(()),
                }
            }
        })
        .concurrency(4)
    };
    let batch_mode = {
        let wrong = wrong.clone();
        sqs::batch_consumer(move |group: Group<Body>| {
            let wrong = wrong.clone();
            async move {
                let mut failures = Failures::none();
                for record in &group.records {
                    check_session(record, &wrong);
                    match record.body.fate.as_str() {
                        "panic" => panic!("asked to panic"),
                        "error" => failures.fail_record(record),
                        _ => {}
                    }
                }
                Ok::<_, String>(failures)
            }
        })
        .concurrency(4)
    };
    let config = ProptestConfig {
        cases: cases(),
        ..ProptestConfig::default()
    };
    proptest!(config, |((mode, records) in batch())| {
        wrong.lock().unwrap().clear();
        let bytes = event(&records).to_string();
        let response = match mode {
            Mode::PerRecord => runtime.block_on(invoke(per_record.clone().into_service(), bytes.as_bytes(), None)),
            Mode::Batch => runtime.block_on(invoke(batch_mode.clone().into_service(), bytes.as_bytes(), None)),
        }
        .unwrap();
        let reported: Vec<String> = response["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect();
        let unique: BTreeSet<String> = reported.iter().cloned().collect();
        prop_assert_eq!(unique.len(), reported.len(), "no record is reported twice");
        let expected = match mode {
            Mode::PerRecord => expected_per_record(&records),
            Mode::Batch => expected_batch(&records),
        };
        prop_assert_eq!(unique, expected, "{:?}", mode);
        prop_assert_eq!(wrong.lock().unwrap().clone(), Vec::<String>::new(), "a record ran under another session");
    });
}
