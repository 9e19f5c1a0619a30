//! The authorizer under cargo-lambda's emulator, through the real `lambda_runtime` loop: each
//! token gets the answer the example promises.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft::testing::Emulator;

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request";

fn event(token: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}))
        .unwrap()
}

#[tokio::test]
async fn each_token_gets_its_answer_under_the_emulator() {
    let function = Emulator::start(env!("CARGO_BIN_EXE_authorizer"), &[]).await;

    let allow = function.invoke(&event("allow")).await;
    let allow: Value = allow.json();
    assert_eq!(allow["principalId"], "demo");
    assert_eq!(allow["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        allow["policyDocument"]["Statement"][0]["Resource"],
        json!([ARN])
    );
    assert_eq!(allow["context"], json!({"user": "demo"}));

    let deny: Value = function.invoke(&event("Bearer deny")).await.json();
    assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert!(deny.get("context").is_none());

    let unauthorized: Value = function.invoke(&event("unauthorized")).await.json();
    assert_eq!(
        unauthorized["errorMessage"], "Unauthorized",
        "{unauthorized}"
    );

    let invalid: Value = function.invoke(&event("who knows")).await.json();
    assert_eq!(invalid, json!({"statusCode": 500, "body": "Invalid"}));

    let malformed: Value = function
        .invoke(br#"{"type": "TOKEN", "methodArn": "nope"}"#)
        .await
        .json();
    assert!(
        malformed["errorMessage"]
            .as_str()
            .unwrap()
            .contains("authorizationToken"),
        "{malformed}"
    );
    let after: Value = function.invoke(&event("allow")).await.json();
    assert_eq!(
        after["principalId"], "demo",
        "a malformed event does not stop the function"
    );
}
