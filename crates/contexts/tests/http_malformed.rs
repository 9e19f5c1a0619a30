//! Malformed events: each gives a clear error response or a Lambda Diagnostic, never a panic.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, body_json, call, lambda, stripping_app};
use serde_json::json;
use updraft_contexts::http::testing::{Event, invoke};

#[tokio::test]
async fn invalid_base64_is_a_400_under_every_source() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let response = call(
            &app,
            &event
                .method("POST")
                .path("/echo")
                .raw_base64_body("%%% not base64 %%%"),
        )
        .await;
        assert_eq!(response["statusCode"], 400, "{name}: {response}");
        assert_eq!(
            body_json(&response)["message"],
            "the request body is not valid base64",
            "{name}"
        );
    }
}

#[tokio::test]
async fn huge_headers_are_a_431() {
    let event = Event::http_api()
        .method("GET")
        .path("/echo")
        .header("x-big", &"a".repeat(70 * 1024));
    let response = call(&lambda(app()), &event).await;
    assert_eq!(response["statusCode"], 431);
    assert!(
        body_json(&response)["message"]
            .as_str()
            .unwrap()
            .contains("headers")
    );
}

#[tokio::test]
async fn a_host_header_that_makes_no_url_is_served_not_panicked_on() {
    // lambda_http's own conversion unwraps Url::parse on this and panics.
    let event = Event::rest_api()
        .method("GET")
        .path("/hello/x")
        .header("host", "exa mple.com:99999");
    let response = call(&lambda(app()), &event).await;
    assert_eq!(response["statusCode"], 200);
}

#[tokio::test]
async fn a_query_that_makes_no_uri_is_a_400() {
    let event = Event::http_api()
        .method("GET")
        .path("/echo")
        .edit(|e| e["rawQueryString"] = json!("a=1 2#x"));
    let response = call(&lambda(app()), &event).await;
    assert_eq!(response["statusCode"], 400);
}

#[tokio::test]
async fn empty_bodies_and_null_fields_are_served() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let event = event.path("/echo").edit(|e| {
            e["body"] = json!(null);
            e["headers"] = json!({});
        });
        let response = call(&app, &event).await;
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        assert_eq!(body_json(&response)["body_len"], 0, "{name}");
    }
}

#[tokio::test]
async fn events_that_are_not_http_events_are_diagnostics() {
    let app = lambda(app());
    let sqs = json!({"Records": [{"messageId": "1", "body": "hi", "eventSource": "aws:sqs"}]});
    for bad in [
        sqs.to_string(),
        "[]".into(),
        "\"hello\"".into(),
        "{".into(),
        String::new(),
        "{}".into(),
    ] {
        let diagnostic = invoke(&app, bad.as_bytes()).await.unwrap_err();
        assert_eq!(
            diagnostic.error_type, "updraft.contexts.UnrecognizedEvent",
            "{bad}"
        );
        assert!(!diagnostic.error_message.is_empty());
    }
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_diagnostics() {
    let app = lambda(app());
    let no_method = Event::rest_api().path("/echo").edit(|e| {
        e.as_object_mut().unwrap().remove("httpMethod");
    });
    let missing = invoke(&app, no_method.to_bytes()).await.unwrap_err();
    assert_eq!(missing.error_type, "updraft.contexts.UnrecognizedEvent");
    assert!(
        missing.error_message.contains("doesn't match"),
        "{}",
        missing.error_message
    );
    let wrong_type = Event::http_api()
        .path("/echo")
        .edit(|e| e["isBase64Encoded"] = json!("yes"));
    let diagnostic = invoke(&app, wrong_type.to_bytes()).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "updraft.contexts.UnrecognizedEvent");
    let bad_method = Event::alb()
        .path("/echo")
        .edit(|e| e["httpMethod"] = json!("GE T"));
    assert!(invoke(&app, bad_method.to_bytes()).await.is_err());
}
