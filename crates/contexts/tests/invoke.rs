//! Direct invocation through the Lambda stack: the fixture event in, the envelope out.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::invoke::handler;
use updraft_core::Session;

const EVENT: &str = include_str!("../fixtures/invoke.json");

#[derive(Deserialize)]
struct Sum {
    a: i64,
    b: i64,
}

async fn sum(input: Sum) -> Result<Value, String> {
    let sum = input.a.checked_add(input.b).ok_or("the sum overflows")?;
    Ok(json!({"sum": sum, "state": Session::current().and_then(|s| s.state)}))
}

#[tokio::test]
async fn the_fixture_gets_a_success_envelope() {
    let response = invoke(handler(sum), EVENT.as_bytes(), None).await.unwrap();
    assert_eq!(
        response,
        json!({"success": true, "data": {"sum": 42, "state": "connecticut"}})
    );
}

#[tokio::test]
async fn any_json_is_an_envelope_and_only_non_json_is_a_diagnostic() {
    for event in ["[]", "1", "null", r#"{"data": 1}"#] {
        let response = invoke(handler(sum), event.as_bytes(), None).await.unwrap();
        assert_eq!(response["success"], false, "{event}");
        assert!(response["error"].is_string(), "{event}");
    }
    let diagnostic = invoke(handler(sum), b"{not json", None).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "updraft.contexts.UnrecognizedEvent");
}
