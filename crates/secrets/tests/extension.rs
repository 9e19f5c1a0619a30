//! The Lambda extension provider against a fake extension (a local stand-in, named as such:
//! the real one only runs inside Lambda).
#![cfg(feature = "extension")]
#![allow(clippy::unwrap_used, reason = "tests")]

use secrecy::ExposeSecret;
use updraft_core::Env;
use updraft_secrets::{Cache, Error, Extension, Provider, Request};
use updraft_testkit::{Canned, FakeEndpoint};

const JSON: &str = "application/json";

fn env() -> Env {
    Env::from_pairs([("AWS_SESSION_TOKEN", "session-token-abc")])
}

#[tokio::test]
async fn fake_extension_serves_parameters_with_the_token_header() {
    let fake = FakeEndpoint::start(vec![
        Canned::ok(JSON, r#"{"Parameter": {"Name": "/app/db", "Type": "SecureString", "Value": "pw from extension", "Version": 4}, "ResultMetadata": {}}"#),
        Canned::ok(JSON, r#"{"Parameter": {"Name": "/app/db", "Type": "SecureString", "Value": "older", "Version": 2}}"#),
        Canned::status(400, JSON, r#"{"__type": "ParameterNotFound", "message": "not found"}"#),
        Canned::ok(JSON, "not json"),
    ])
    .await;
    let config = fake.aws_config().await;
    let extension = Extension::ssm_at(&config, &fake.url(), &env()).unwrap();
    let cache = Cache::new(extension.clone());
    let secret = cache.get("/app/db").await.unwrap();
    assert_eq!(
        (secret.expose().unwrap(), secret.version()),
        ("pw from extension", Some("4"))
    );
    cache.get("/app/db").await.unwrap();
    assert_eq!(
        extension
            .get(Request::new("/app/db").version_id("2"))
            .await
            .unwrap()
            .expose()
            .unwrap(),
        "older"
    );
    assert!(matches!(
        extension.get("/app/missing").await,
        Err(Error::NotFound {
            provider: "extension",
            ..
        })
    ));
    assert!(matches!(
        extension.get("/app/db").await,
        Err(Error::Decode { .. })
    ));
    let requests = fake.requests();
    assert_eq!(requests.len(), 4, "the second cached read made no request");
    assert_eq!(
        requests[0].target,
        "/systemsmanager/parameters/get?name=%2Fapp%2Fdb&withDecryption=true"
    );
    assert_eq!(
        requests[1].target,
        "/systemsmanager/parameters/get?name=%2Fapp%2Fdb&withDecryption=true&version=2"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-aws-parameters-secrets-token") == Some("session-token-abc"))
    );
    assert!(requests.iter().all(|r| r.header("authorization").is_none()));
    assert!(!format!("{extension:?}").contains("session-token-abc"));
}

#[tokio::test]
async fn fake_extension_serves_secrets_text_and_binary() {
    let fake = FakeEndpoint::start(vec![
        Canned::ok(JSON, r#"{"ARN": "arn:x", "Name": "prod/db", "SecretString": "{\"user\": \"app\"}", "VersionId": "v-1"}"#),
        Canned::ok(JSON, r#"{"ARN": "arn:y", "Name": "prod/key", "SecretBinary": "AAEC", "VersionId": "v-9"}"#),
        Canned::status(404, JSON, r#"{"__type": "ResourceNotFoundException"}"#),
    ])
    .await;
    let config = fake.aws_config().await;
    let extension = Extension::secrets_manager_at(&config, &fake.url(), &env()).unwrap();
    let db = extension
        .get(Request::new("prod/db").stage("AWSCURRENT"))
        .await
        .unwrap();
    assert_eq!(db.pick("user").unwrap().expose().unwrap(), "app");
    assert_eq!(
        extension
            .get_binary("prod/key")
            .await
            .unwrap()
            .expose_secret(),
        &[0, 1, 2]
    );
    assert!(matches!(
        extension.get("prod/gone").await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        fake.requests()[0].target,
        "/secretsmanager/get?secretId=prod%2Fdb&versionStage=AWSCURRENT"
    );
}

#[tokio::test]
async fn the_extension_needs_a_session_token_and_a_valid_port() {
    let fake = FakeEndpoint::start(Vec::new()).await;
    let config = fake.aws_config().await;
    assert!(matches!(
        Extension::ssm(&config, &Env::from_pairs([("X", "1")])),
        Err(Error::Invalid(_))
    ));
    let bad_port = Env::from_pairs([
        ("AWS_SESSION_TOKEN", "t"),
        ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "port"),
    ]);
    let error = Extension::ssm(&config, &bad_port).unwrap_err().to_string();
    assert!(
        error.contains("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"),
        "{error}"
    );
    assert!(Extension::secrets_manager(&config, &env()).is_ok());
}
