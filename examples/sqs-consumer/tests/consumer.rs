//! The example's contract: in process, under cargo-lambda's emulator, and polling a real queue.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use updraft::contexts::aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use updraft::contexts::cli::invoke;
use updraft::contexts::sqs;
use updraft::core::Session;
use updraft::testing::{ChildGuard, Emulator, aws_config, servers_env, unique_name};

fn batch() -> (Value, Vec<String>) {
    let bodies = [
        json!({"id": "1", "fail": false}).to_string(),
        json!({"id": "2", "fail": true}).to_string(),
        "no json".to_owned(),
        json!({"id": 4}).to_string(),
        json!({"id": "5", "fail": false}).to_string(),
    ];
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| json!({"messageId": format!("m{i}"), "body": body, "eventSource": "aws:sqs", "attributes": {"ApproximateReceiveCount": "1"}}))
        .collect();
    (
        json!({ "Records": records }),
        vec!["m1".into(), "m2".into(), "m3".into()],
    )
}

fn failed(response: &Value) -> Vec<String> {
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
async fn exactly_the_failed_records_are_reported_in_process() {
    let (event, expected) = batch();
    let service = sqs::consumer(example_sqs_consumer::handle).into_service();
    assert_eq!(
        failed(
            &invoke(service, event.to_string().as_bytes(), None)
                .await
                .unwrap()
        ),
        expected
    );
}

#[tokio::test]
async fn exactly_the_failed_records_are_reported_under_the_lambda_emulator() {
    let lambda = Emulator::start(env!("CARGO_BIN_EXE_sqs-consumer"), &[]).await;
    let (event, expected) = batch();
    assert_eq!(
        failed(&lambda.invoke(event.to_string().as_bytes()).await.json()),
        expected
    );
    let fixture = include_str!("../../../crates/contexts/fixtures/sqs-sns-envelope.json");
    assert!(failed(&lambda.invoke(fixture.as_bytes()).await.json()).is_empty());
}

#[tokio::test]
async fn locally_it_polls_a_real_queue_and_leaves_only_the_failures() {
    let config = aws_config().await;
    let client = updraft::contexts::aws_sdk_sqs::Client::new(&config);
    let url = client
        .create_queue()
        .queue_name(unique_name("jobs"))
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let session = MessageAttributeValue::builder()
        .data_type("String")
        .string_value(Session::with_state("ct").to_attribute())
        .build()
        .unwrap();
    for body in [
        r#"{"id": "a", "fail": false}"#,
        r#"{"id": "b", "fail": true}"#,
        "garbage",
        r#"{"id": "c", "fail": false}"#,
    ] {
        client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .message_attributes("session", session.clone())
            .send()
            .await
            .unwrap();
    }
    let servers = servers_env();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sqs-consumer"));
    for (name, value) in servers.added() {
        command.env(name, value);
    }
    command
        .env("UPDRAFT_SQS_QUEUE_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let consumer = ChildGuard::spawn("sqs-consumer", &mut command);
    let count = |name: QueueAttributeName| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let attributes = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(name.clone())
                .send()
                .await
                .unwrap()
                .attributes
                .unwrap();
            attributes[&name].parse::<u32>().unwrap()
        }
    };
    let mut settled = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let visible = count(QueueAttributeName::ApproximateNumberOfMessages).await;
        let in_flight = count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await;
        if visible == 0 && in_flight == 2 {
            settled = true;
            break;
        }
    }
    consumer.stop();
    assert!(
        settled,
        "the two good messages were deleted and the two failures left in flight"
    );
}
