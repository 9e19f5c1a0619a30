//! Signed raw requests against `moto_server`, and the errors of endpoints that fail.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use std::net::TcpListener;
use std::time::Duration;

use updraft_core::aws::ConfigLoader;
use updraft_core::{Env, Error, Kind, SignedClient, Surface};
use updraft_testkit::{servers_env, unique_name};

const FORM: &str = "application/x-www-form-urlencoded";

async fn sqs() -> SignedClient {
    let config = updraft_testkit::aws_config().await;
    SignedClient::new(&config, "sqs").expect("an SQS client")
}

#[tokio::test]
async fn a_signed_json_call_and_a_signed_query_call_reach_moto() {
    let sqs = sqs().await;
    let name = unique_name("signed");
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amz-target", "AmazonSQS.CreateQueue".parse().unwrap());
    headers.insert(
        "content-type",
        "application/x-amz-json-1.0".parse().unwrap(),
    );
    let created = sqs
        .send(
            http::Method::POST,
            "/",
            headers,
            serde_json::json!({ "QueueName": name }).to_string().into(),
        )
        .await
        .unwrap();
    let url = created.json::<serde_json::Value>().unwrap()["QueueUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.ends_with(&name), "{url}");

    let listed = sqs
        .post(
            "/",
            FORM,
            format!("Action=ListQueues&QueueNamePrefix={name}&Version=2012-11-05"),
        )
        .await
        .unwrap();
    assert!(listed.status().is_success());
    assert!(
        listed.text().unwrap().contains(&url),
        "{}",
        listed.text().unwrap()
    );
}

#[tokio::test]
async fn the_signature_scope_carries_the_region() {
    let config = updraft_testkit::aws_config().await;
    let here = SignedClient::builder(&config, "sqs")
        .region("eu-west-1")
        .build()
        .unwrap();
    let there = SignedClient::builder(&config, "sqs")
        .region("ap-south-1")
        .build()
        .unwrap();
    let name = unique_name("regional");
    here.post(
        "/",
        FORM,
        format!("Action=CreateQueue&QueueName={name}&Version=2012-11-05"),
    )
    .await
    .unwrap();
    let list = |client: SignedClient| {
        let name = name.clone();
        async move {
            client
                .post(
                    "/",
                    FORM,
                    format!("Action=ListQueues&QueueNamePrefix={name}&Version=2012-11-05"),
                )
                .await
                .unwrap()
                .text()
                .unwrap()
                .to_owned()
        }
    };
    assert!(list(here).await.contains(&name));
    assert!(
        !list(there).await.contains(&name),
        "moto keeps queues per signed region"
    );
}

#[tokio::test]
async fn an_aws_error_becomes_a_typed_service_error() {
    let sqs = sqs().await;
    let err = sqs
        .post(
            "/",
            FORM,
            "Action=GetQueueUrl&QueueName=no-such-queue-anywhere&Version=2012-11-05",
        )
        .await
        .unwrap_err();
    match &err {
        Error::Service {
            status,
            code,
            service,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(service, "sqs");
            assert!(
                code.as_deref()
                    .is_some_and(|c| c.contains("NonExistentQueue")),
                "{err}"
            );
        }
        other => panic!("expected a service error, got {other:?}"),
    }
    // The code says more than the 400 status: a missing queue is this service's
    // misconfiguration (500), not its caller's mistake.
    assert_eq!(err.kind(), Kind::Config);
    assert_eq!(err.error_type(), "updraft.core.Service");
}

async fn config_for(endpoint: &str, extra: &[(&str, &str)]) -> updraft_core::SdkConfig {
    let env = Env::from_pairs(extra.iter().copied()).with_defaults([
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", endpoint),
    ]);
    ConfigLoader::new().env(env).load().await.unwrap()
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_typed_readable_error() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{closed}");
    let config = config_for(&endpoint, &[("AWS_MAX_ATTEMPTS", "2")]).await;
    let sqs = SignedClient::new(&config, "sqs").unwrap();
    let err = sqs.get("/").await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Unavailable);
    assert_eq!(
        err.to_string(),
        "cannot reach sqs",
        "the endpoint stays out of the message"
    );
    let Error::Unreachable {
        endpoint: tried, ..
    } = &err
    else {
        unreachable!()
    };
    assert!(tried.starts_with(&endpoint), "{tried}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    // A fake: a listener that accepts and never answers, a fault moto cannot produce.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let config = config_for(
        &endpoint,
        &[("UPDRAFT_READ_TIMEOUT", "200ms"), ("AWS_MAX_ATTEMPTS", "1")],
    )
    .await;
    let started = std::time::Instant::now();
    let err = SignedClient::new(&config, "sqs")
        .unwrap()
        .get("/")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.kind(), Kind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
}

#[test]
fn the_servers_env_names_every_server() {
    let env = servers_env();
    for name in [
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "MONGODB_URI",
        "DATABASE_URL",
        "CARGO_LAMBDA",
    ] {
        assert!(
            env.non_empty(name).is_some(),
            "{name} is missing from the servers' env file"
        );
    }
}
