//! The example's contract, in process and under cargo-lambda's emulator.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft::contexts::cli::invoke;
use updraft::contexts::invoke::handler;
use updraft::testing::Emulator;

fn cases() -> Vec<(Value, Value)> {
    let ok = |sum: i64| json!({"success": true, "data": {"sum": sum}});
    vec![
        (
            json!({"session": {"state": "ct"}, "data": {"a": 40, "b": 2}}),
            ok(42),
        ),
        (
            json!({"session": {"state": "ct"}, "data": {"a": -5, "b": 5}}),
            ok(0),
        ),
        (
            json!({"data": {"a": 1, "b": 2}}),
            json!("the event has no session"),
        ),
        (
            json!({"session": {"state": "ct"}, "data": {"a": 1}}),
            json!("missing field `b`"),
        ),
        (
            json!({"session": {"state": "ct"}}),
            json!("the event has no `data`"),
        ),
        (
            json!({"session": {"state": "ct"}, "data": {"a": "1", "b": 2}}),
            json!("data.a: invalid type"),
        ),
        (
            json!({"session": {"state": "ct"}, "data": {"a": i64::MAX, "b": 1}}),
            json!("overflows"),
        ),
    ]
}

fn check(answer: &Value, expected: &Value, event: &Value) {
    if expected["success"] == true {
        assert_eq!(answer, expected, "{event}");
    } else {
        assert_eq!(answer["success"], false, "{event}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(
            error.contains(expected.as_str().unwrap()),
            "{event}: {error}"
        );
    }
}

#[tokio::test]
async fn the_contract_holds_in_process() {
    for (event, expected) in cases() {
        let answer = invoke(
            handler(example_invoke_sum::sum),
            event.to_string().as_bytes(),
            None,
        )
        .await
        .unwrap();
        check(&answer, &expected, &event);
    }
}

#[tokio::test]
async fn the_contract_holds_under_the_lambda_emulator() {
    let lambda = Emulator::start(env!("CARGO_BIN_EXE_invoke-sum"), &[]).await;
    for (event, expected) in cases() {
        let reply = lambda.invoke(event.to_string().as_bytes()).await;
        assert_eq!(reply.status, 200);
        check(&reply.json(), &expected, &event);
    }
}
