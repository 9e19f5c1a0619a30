//! The local poller against a real queue on moto: it runs the consumer, deletes what succeeded,
//! leaves the failures for redelivery, keeps slow batches invisible, and on shutdown lets the
//! batch in flight finish within its visibility or leaves it undeleted.
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
use updraft_testkit::{aws_config, unique_name};

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
    let queue = LocalQueue::new(&config, &url)
        .wait(Duration::from_secs(1))
        .visibility(Duration::from_secs(1));
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

async fn queue_with(client: &updraft_contexts::aws_sdk_sqs::Client, bodies: &[&str]) -> String {
    let url = client
        .create_queue()
        .queue_name(unique_name("poller"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for body in bodies {
        client
            .send_message()
            .queue_url(&url)
            .message_body(*body)
            .send()
            .await
            .unwrap();
    }
    url
}

async fn visible(client: &updraft_contexts::aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(1)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

/// A consumer whose handler takes `work` per record.
fn slow(work: Duration) -> sqs::Consumer<impl Fn(Record<Job>) -> SlowFuture + Clone, Job> {
    sqs::consumer(move |record: Record<Job>| -> SlowFuture {
        Box::pin(async move {
            tokio::time::sleep(work).await;
            if record.body.fail {
                Err("failed".to_owned())
            } else {
                Ok(())
            }
        })
    })
}

type SlowFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

#[tokio::test]
async fn a_slow_handler_keeps_its_message_invisible_until_it_is_done() {
    let config = aws_config().await;
    let client = updraft_contexts::aws_sdk_sqs::Client::new(&config);
    let url = queue_with(&client, &[r#"{"id": "slow", "fail": false}"#]).await;
    let queue = LocalQueue::new(&config, &url)
        .wait(Duration::from_secs(1))
        .visibility(Duration::from_secs(2));
    let consumer = slow(Duration::from_secs(5));
    let polling = tokio::spawn({
        let queue = queue.clone();
        async move { queue.poll_once(&consumer).await.unwrap() }
    });
    // Well past the 2 s visibility, another consumer must still not get the message.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            visible(&client, &url).await.is_empty(),
            "the message was handed to a second consumer while its handler ran"
        );
    }
    let report = polling.await.unwrap();
    assert_eq!((report.received, report.deleted), (1, 1));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(visible(&client, &url).await.is_empty(), "deleted once done");
}

#[tokio::test]
async fn on_shutdown_the_batch_in_flight_finishes_and_is_deleted() {
    let config = aws_config().await;
    let client = updraft_contexts::aws_sdk_sqs::Client::new(&config);
    let url = queue_with(
        &client,
        &[
            r#"{"id": "a", "fail": false}"#,
            r#"{"id": "b", "fail": true}"#,
        ],
    )
    .await;
    let queue = LocalQueue::new(&config, &url)
        .wait(Duration::from_secs(1))
        .visibility(Duration::from_secs(4));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let consumer = slow(Duration::from_millis(1500));
    let running = tokio::spawn(async move {
        queue
            .run_until(&consumer, async {
                let _ = stopped.await;
            })
            .await
    });
    // Let the batch start, then ask the poller to stop while its handlers still run.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(6), running)
        .await
        .expect("the poller exits after the batch")
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert_eq!(
        visible(&client, &url).await,
        [r#"{"id": "b", "fail": true}"#],
        "the success was deleted; only the failure comes back"
    );
}

#[tokio::test]
async fn on_shutdown_a_batch_that_cannot_finish_in_time_is_left_undeleted() {
    let config = aws_config().await;
    let client = updraft_contexts::aws_sdk_sqs::Client::new(&config);
    let url = queue_with(&client, &[r#"{"id": "long", "fail": false}"#]).await;
    let queue = LocalQueue::new(&config, &url)
        .wait(Duration::from_secs(1))
        .visibility(Duration::from_secs(2));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let consumer = slow(Duration::from_secs(30));
    let running = tokio::spawn(async move {
        queue
            .run_until(&consumer, async {
                let _ = stopped.await;
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(4), running)
        .await
        .expect("the poller gives up within the visibility left, not after the handler")
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        visible(&client, &url).await,
        [r#"{"id": "long", "fail": false}"#],
        "not deleted: it comes back to the next consumer"
    );
}

#[tokio::test]
async fn each_batch_runs_as_one_invocation_whose_finish_hooks_run() {
    let config = aws_config().await;
    let client = updraft_contexts::aws_sdk_sqs::Client::new(&config);
    let url = queue_with(&client, &[r#"{"id": "a", "fail": false}"#]).await;
    let ids = Arc::new(Mutex::new(Vec::new()));
    let seen = ids.clone();
    let consumer = sqs::consumer(move |_: Record<Job>| {
        let seen = seen.clone();
        async move {
            let id = updraft_core::invocation::with_current(|invocation| {
                invocation.and_then(|i| i.request_id().map(str::to_owned))
            });
            seen.lock().unwrap().push(id);
            Ok::<_, String>(())
        }
    });
    let queue = LocalQueue::new(&config, &url).wait(Duration::from_secs(1));
    let report = queue.poll_once(&consumer).await.unwrap();
    assert_eq!(report.deleted, 1);
    let ids = ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 1);
    let id = ids[0]
        .clone()
        .expect("the handler runs inside an invocation");
    assert!(id.starts_with("poll-"), "{id}");
}

#[tokio::test]
async fn a_malformed_visibility_variable_is_a_clear_error() {
    for (value, expected) in [
        ("soon", "UPDRAFT_SQS_VISIBILITY"),
        ("0s", "1 s to 12 h"),
        ("13h", "1 s to 12 h"),
    ] {
        let env = with_visibility(value);
        let error = LocalQueue::from_env("http://127.0.0.1:1/000000000000/q", &env)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{value}: {error}");
    }
    let env = with_visibility("45s");
    assert!(
        LocalQueue::from_env("http://127.0.0.1:1/000000000000/q", &env)
            .await
            .is_ok()
    );
}

fn with_visibility(value: &str) -> updraft_core::Env {
    let servers = updraft_testkit::servers_env();
    updraft_core::Env::from_pairs(
        servers
            .added()
            .chain([(updraft_contexts::sqs::poller::VISIBILITY_VAR, value)]),
    )
}
