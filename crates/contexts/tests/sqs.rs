//! SQS consumers: partial batch responses for standard and FIFO queues, SNS unwrapping and the
//! session, batch mode, and malformed events.

// Over 400 lines: one test per promise of the SQS context, sharing one set of event builders.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::sqs::{self, Failures, Group, Record};
use updraft_core::Session;
use updraft_core::message::TrustedTopics;

#[derive(Debug, Deserialize)]
struct Job {
    id: String,
    fail: bool,
}

const STANDARD: &str = include_str!("../fixtures/sqs-standard.json");
const FIFO: &str = include_str!("../fixtures/sqs-fifo.json");
const ENVELOPE: &str = include_str!("../fixtures/sqs-sns-envelope.json");
const RAW: &str = include_str!("../fixtures/sqs-sns-raw.json");

async fn job(record: Record<Job>) -> Result<(), String> {
    if record.body.fail {
        Err(format!("job {} failed", record.body.id))
    } else {
        Ok(())
    }
}

fn failures(response: &Value) -> Vec<String> {
    let mut ids: Vec<String> = response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_standard_batch_reports_exactly_the_failed_records() {
    let response = invoke(sqs::consumer(job).into_service(), STANDARD.as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failures(&response),
        ["2e1424d4-f796-459a-8184-9c92662be6da"]
    );
}

#[tokio::test]
async fn a_fifo_group_stops_at_its_first_failure_and_other_groups_go_on() {
    let ran = Arc::new(Mutex::new(Vec::new()));
    let seen = ran.clone();
    let consumer = sqs::consumer(move |record: Record<Job>| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(record.body.id.clone());
            job(record).await
        }
    });
    let response = invoke(consumer.into_service(), FIFO.as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failures(&response),
        [
            "22d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
            "33d6ee51-4cc7-4302-9e22-7cd8afdaadf5"
        ],
        "the failed record and the one after it in its group"
    );
    let mut ran = ran.lock().unwrap().clone();
    ran.sort();
    assert_eq!(
        ran,
        ["a-1", "a-2", "b-1"],
        "a-3 must not run after a-2 failed"
    );
}

#[tokio::test]
async fn sns_envelopes_and_raw_delivery_give_the_same_body_and_session() {
    for (name, event) in [("envelope", ENVELOPE), ("raw", RAW)] {
        let seen = Arc::new(Mutex::new(None));
        let store = seen.clone();
        let consumer = sqs::consumer(move |record: Record<Job>| {
            let store = store.clone();
            async move {
                let current = Session::current().and_then(|s| s.state);
                *store.lock().unwrap() = Some((
                    record.body.id.clone(),
                    record.session().state.clone(),
                    current,
                    record.attributes().get("priority").cloned(),
                ));
                Ok::<(), String>(())
            }
        });
        let response = invoke(consumer.into_service(), event.as_bytes(), None)
            .await
            .unwrap();
        assert!(failures(&response).is_empty(), "{name}");
        let (id, state, current, priority) = seen.lock().unwrap().clone().unwrap();
        assert!(id.starts_with("sns-"), "{name}");
        assert_eq!(state.as_deref(), Some("ohio"), "{name}");
        assert_eq!(
            current.as_deref(),
            Some("ohio"),
            "{name}: the session is current in the handler"
        );
        assert_eq!(
            priority
                .and_then(|p| p.as_str().map(str::to_owned))
                .as_deref(),
            Some("high"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn undecodable_bodies_and_panics_fail_only_their_record() {
    let event: Value = serde_json::from_str(STANDARD).unwrap();
    let mut event = event;
    event["Records"][0]["body"] = json!("not a job");
    event["Records"][1]["body"] = json!(r#"{"id": "boom", "fail": false}"#);
    let consumer = sqs::consumer(|record: Record<Job>| async move {
        assert!(record.body.id != "boom", "the handler fell over");
        Ok::<(), String>(())
    });
    let response = invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(failures(&response).len(), 2);
}

#[tokio::test]
async fn batch_mode_groups_by_state_and_marks_failures_per_message() {
    let events: Value = serde_json::from_str(STANDARD).unwrap();
    let mut records = events["Records"].as_array().unwrap().clone();
    let mut third = records[0].clone();
    third["messageId"] = json!("third");
    third["body"] = json!(r#"{"id": "job-3", "fail": true}"#);
    records.push(third);
    for (i, state) in ["ct", "nj", "ct"].iter().enumerate() {
        records[i]["messageAttributes"] = json!({"session": {"stringValue": Session::with_state(*state).to_attribute(), "dataType": "String"}});
    }
    let groups = Arc::new(Mutex::new(Vec::new()));
    let seen = groups.clone();
    let consumer = sqs::batch_consumer(move |group: Group<Job>| {
        let seen = seen.clone();
        async move {
            let current = Session::current().and_then(|s| s.state);
            seen.lock().unwrap().push((
                group.state().map(str::to_owned),
                current,
                group.records.len(),
            ));
            let mut failures = Failures::none();
            for record in group.records.iter().filter(|r| r.body.fail) {
                failures.fail_record(record);
            }
            Ok::<_, String>(failures)
        }
    });
    let event = json!({ "Records": records });
    let response = invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failures(&response),
        ["2e1424d4-f796-459a-8184-9c92662be6da", "third"]
    );
    let mut groups = groups.lock().unwrap().clone();
    groups.sort();
    assert_eq!(
        groups,
        [
            (Some("ct".into()), Some("ct".into()), 2),
            (Some("nj".into()), Some("nj".into()), 1)
        ],
        "one call per state, with the state current"
    );
}

#[tokio::test]
async fn a_failing_or_panicking_batch_handler_fails_its_whole_group() {
    let consumer = sqs::batch_consumer(|group: Group<Job>| async move {
        assert!(
            !group.records.iter().any(|r| r.body.id == "job-2"),
            "the group fell over"
        );
        Err::<Failures, _>("the database is down")
    });
    let response = invoke(consumer.into_service(), STANDARD.as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(failures(&response).len(), 2);
}

#[tokio::test]
async fn malformed_sqs_events_are_diagnostics_not_panics() {
    for bad in [
        r#"{"Records": "no"}"#,
        r#"{"Records": [{"body": 5}]}"#,
        "[]",
        "{",
        "",
    ] {
        let diagnostic = invoke(sqs::consumer(job).into_service(), bad.as_bytes(), None)
            .await
            .unwrap_err();
        assert_eq!(
            diagnostic.error_type, "updraft.contexts.UnrecognizedEvent",
            "{bad}"
        );
    }
    let empty = invoke(
        sqs::consumer(job).into_service(),
        br#"{"Records": []}"#,
        None,
    )
    .await
    .unwrap();
    assert!(failures(&empty).is_empty());
    let no_body = invoke(
        sqs::consumer(job).into_service(),
        br#"{"Records": [{"messageId": "x"}]}"#,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        failures(&no_body),
        ["x"],
        "a record without a body fails, and only it"
    );
}

fn session_attribute(session: &Session) -> Value {
    json!({"session": {"stringValue": session.to_attribute(), "dataType": "String"}})
}

fn user(state: &str, id: &str) -> Session {
    Session::with_state(state).and_user(json!({ "id": id }))
}

/// A record of a FIFO queue in group `group`, with `session` (none when `None`).
fn fifo_record(id: &str, group: &str, session: Option<&Session>, fail: bool) -> Value {
    let mut record = json!({
        "messageId": id,
        "body": json!({"id": id, "fail": fail}).to_string(),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": group},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:jobs.fifo",
    });
    if let Some(session) = session {
        record["messageAttributes"] = session_attribute(session);
    }
    record
}

#[tokio::test]
async fn batch_mode_never_runs_a_record_under_another_users_session() {
    // alice and bob share the state "ohio": they must still run apart, each as themselves.
    let records: Vec<Value> = [
        ("a1", "alice"),
        ("b1", "bob"),
        ("a2", "alice"),
        ("b2", "bob"),
    ]
    .iter()
    .map(|(id, who)| {
        json!({
            "messageId": id,
            "body": json!({"id": id, "fail": false}).to_string(),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": session_attribute(&user("ohio", who)),
            "eventSource": "aws:sqs",
        })
    })
    .collect();
    let mismatches = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0));
    let (seen, counted) = (mismatches.clone(), calls.clone());
    let consumer = sqs::batch_consumer(move |group: Group<Job>| {
        let (seen, counted) = (seen.clone(), counted.clone());
        async move {
            *counted.lock().unwrap() += 1;
            let current = Session::current();
            for record in &group.records {
                if current.as_ref() != Some(record.session()) {
                    seen.lock().unwrap().push(record.message_id.clone());
                }
            }
            Ok::<_, String>(Failures::none())
        }
    });
    let event = json!({ "Records": records });
    let response = invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert!(failures(&response).is_empty());
    assert_eq!(
        *mismatches.lock().unwrap(),
        Vec::<String>::new(),
        "a record ran under another user's session"
    );
    assert_eq!(*calls.lock().unwrap(), 2, "one group per user");
}

#[tokio::test]
async fn batch_mode_on_fifo_keeps_group_order_and_skips_the_rest_after_a_failure() {
    let (alice, bob) = (user("ohio", "alice"), user("ohio", "bob"));
    let records = vec![
        fifo_record("g1-1", "g1", Some(&alice), false),
        fifo_record("g2-1", "g2", Some(&bob), false),
        fifo_record("g1-2", "g1", Some(&alice), true),
        fifo_record("g1-3", "g1", Some(&alice), false),
        fifo_record("g1-4", "g1", Some(&bob), false),
        fifo_record("g2-2", "g2", Some(&bob), false),
        fifo_record("g1-5", "g1", None, false),
    ];
    let ran = Arc::new(Mutex::new(Vec::new()));
    let seen = ran.clone();
    let consumer = sqs::batch_consumer(move |group: Group<Job>| {
        let seen = seen.clone();
        async move {
            let ids: Vec<String> = group.records.iter().map(|r| r.body.id.clone()).collect();
            seen.lock().unwrap().push(ids);
            let mut failures = Failures::none();
            for record in group.records.iter().filter(|r| r.body.fail) {
                failures.fail_record(record);
            }
            Ok::<_, String>(failures)
        }
    });
    let event = json!({ "Records": records });
    let response = invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        failures(&response),
        ["g1-2", "g1-3", "g1-4", "g1-5"],
        "the failed record and every later record of its message group"
    );
    let mut ran = ran.lock().unwrap().clone();
    ran.sort();
    assert_eq!(
        ran,
        [vec!["g1-1", "g1-2", "g1-3"], vec!["g2-1", "g2-2"]],
        "bob's g1-4 and the sessionless g1-5 never ran after the failure"
    );
}

#[tokio::test]
async fn envelopes_of_untrusted_topics_are_plain_bodies_without_their_session() {
    let trusted = TrustedTopics::only(["arn:aws:sns:us-east-2:123456789012:payments"]).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let consumer = sqs::consumer(move |message: Record<Value>| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push((
                message.topic_arn().map(str::to_owned),
                Session::current(),
                message.body,
            ));
            Ok::<(), String>(())
        }
    })
    .trusted_topics(trusted);
    let response = invoke(consumer.into_service(), ENVELOPE.as_bytes(), None)
        .await
        .unwrap();
    assert!(failures(&response).is_empty());
    let seen = seen.lock().unwrap();
    let (topic, session, body) = &seen[0];
    assert_eq!(
        body["Type"], "Notification",
        "the envelope itself is the body"
    );
    assert_eq!(session, &None, "the session inside it is not taken");
    assert_eq!(topic, &None);
}

#[tokio::test]
async fn the_sqs_session_attribute_wins_over_the_envelope() {
    let envelope: Value = serde_json::from_str(ENVELOPE).unwrap();
    let mut record = envelope["Records"][0].clone();
    let own = user("iowa", "alice");
    record["messageAttributes"] = session_attribute(&own);
    let seen = Arc::new(Mutex::new(None));
    let keep = seen.clone();
    let consumer = sqs::consumer(move |_: Record<Job>| {
        let keep = keep.clone();
        async move {
            *keep.lock().unwrap() = Session::current();
            Ok::<(), String>(())
        }
    });
    let event = json!({ "Records": [record] });
    invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(own));
}
