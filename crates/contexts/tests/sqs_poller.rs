//! The local poller against a real queue on moto: it runs the consumer, deletes what succeeded
//! and leaves the failures for redelivery.
#![cfg(feature = "sqs-poller")]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use updraft_contexts::aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use updraft_contexts::sqs::poller::LocalQueue;
use updraft_contexts::sqs::{self, Record};
use updraft_core::Session;
use updraft_core::testing::{aws_config, unique_name};

#[derive(Deserialize)]
struct Job {
    id: String,
    fail: bool,
}

#[tokio::test]
async fn the_poller_deletes_successes_and_leaves_failures_for_redelivery() {
    let config = aws_config().await;
    let client = updraft_contexts::aws_sdk_sqs::Client::new(&config);
    let url = client
        .create_queue()
        .queue_name(unique_name("poller"))
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let bodies = [
        r#"{"id": "ok-1", "fail": false}"#,
        r#"{"id": "ok-2", "fail": false}"#,
        r#"{"id": "bad-1", "fail": true}"#,
        "not json at all",
    ];
    for body in bodies {
        let session = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(Session::with_state("vermont").to_attribute())
            .build()
            .unwrap();
        client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .message_attributes("session", session)
            .send()
            .await
            .unwrap();
    }
    let states = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = states.clone();
    let consumer = sqs::consumer(move |record: Record<Job>| {
        let seen = seen.clone();
        async move {
            seen.lock()
                .unwrap()
                .insert(Session::current().and_then(|s| s.state));
            if record.body.fail {
                Err(format!("{} failed", record.body.id))
            } else {
                Ok(())
            }
        }
    });
    let queue = LocalQueue::new(&config, &url).wait(Duration::from_secs(1));
    let mut received = 0;
    let mut deleted = 0;
    let mut failed = 0;
    for _ in 0..5 {
        let report = queue.poll_once(&consumer).await.unwrap();
        received += report.received;
        deleted += report.deleted;
        failed += report.failed.len();
        if received >= 4 {
            break;
        }
    }
    assert_eq!((received, deleted, failed), (4, 2, 2));
    assert_eq!(
        *states.lock().unwrap(),
        BTreeSet::from([Some("vermont".to_owned())])
    );

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    let mut bodies: Vec<String> = again.into_iter().filter_map(|m| m.body).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        ["not json at all", r#"{"id": "bad-1", "fail": true}"#],
        "only the failures come back"
    );
}
