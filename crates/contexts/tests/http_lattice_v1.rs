//! VPC Lattice's version 1 events: decoded, routed like every other source, answered in the
//! version 1 format; malformed ones answered 400 in that format; other events never taken for
//! one.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, body_bytes, body_json, call, lambda};
use serde_json::json;
use updraft_contexts::http::testing::{Event, invoke};

#[tokio::test]
async fn the_peer_fixture_is_routed_and_answered_in_the_version_1_format() {
    let service = lambda(app());
    let fixture = include_str!("../fixtures/vpc-lattice-v1.json");
    let event = Event::vpc_lattice_v1().path("/echo");
    assert_eq!(event.json()["raw_path"], "/echo");
    let response = call(&service, &event).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["statusDescription"], "200 OK");
    assert_eq!(response["isBase64Encoded"], false);
    assert!(
        response["headers"]["content-type"].is_string(),
        "{response}"
    );
    let seen = body_json(&response);
    assert_eq!(seen["method"], "POST", "the fixture's method");
    assert_eq!(seen["path"], "/echo");
    assert_eq!(seen["body"], r#"{"id": 5, "description": "TV"}"#);

    let unknown = invoke(&service, fixture.as_bytes()).await.unwrap();
    assert_eq!(
        unknown["statusCode"], 404,
        "its own path, /api/product: {unknown}"
    );
    assert_eq!(unknown["statusDescription"], "404 Not Found");
}

#[tokio::test]
async fn header_values_keep_their_commas_and_queries_their_encoding() {
    let service = lambda(app());
    let event = Event::vpc_lattice_v1()
        .method("GET")
        .path("/echo")
        .header("header1", "Tue, 01 Dec 2026 10:00:00 GMT")
        .query("q=a%20b&tag=x%2By");
    let seen = body_json(&call(&service, &event).await);
    assert_eq!(
        seen["header1"], "Tue, 01 Dec 2026 10:00:00 GMT",
        "one value, not split at its comma"
    );
    assert_eq!(seen["query"], json!([["q", "a b"], ["tag", "x+y"]]));
}

#[tokio::test]
async fn binary_bodies_go_both_ways_in_base64() {
    let service = lambda(app());
    let bytes = [0u8, 159, 146, 150, 255];
    let event = Event::vpc_lattice_v1()
        .method("POST")
        .path("/echo-bytes")
        .binary_body(&bytes);
    assert_eq!(event.json()["is_base64_encoded"], true);
    let response = call(&service, &event).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["isBase64Encoded"], true);
    assert_eq!(body_bytes(&response), bytes);
}

#[tokio::test]
async fn malformed_version_1_events_are_answered_400_in_its_format() {
    let service = lambda(app());
    for (what, event) in [
        ("method", Event::vpc_lattice_v1().method("GET POST")),
        (
            "header name",
            Event::vpc_lattice_v1().edit(|e| e["headers"]["bad name"] = json!("x")),
        ),
        (
            "header value",
            Event::vpc_lattice_v1().edit(|e| e["headers"]["x"] = json!("a\nb")),
        ),
        ("base64", Event::vpc_lattice_v1().raw_base64_body("%%%")),
    ] {
        let response = call(&service, &event).await;
        assert_eq!(response["statusCode"], 400, "{what}: {response}");
        assert_eq!(response["statusDescription"], "400 Bad Request", "{what}");
    }
    let nulls = Event::vpc_lattice_v1()
        .method("GET")
        .path("/echo")
        .edit(|e| {
            e["headers"] = json!(null);
            e["query_string_parameters"] = json!(null);
            e["is_base64_encoded"] = json!(null);
        });
    assert_eq!(
        call(&service, &nulls).await["statusCode"],
        200,
        "null maps are empty"
    );
}

#[tokio::test]
async fn other_events_are_never_taken_for_version_1() {
    let service = lambda(app());
    for event in [
        json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}),
        json!({"method": "GET"}),
        json!({"raw_path": "/echo"}),
        json!({"raw_path": 7, "method": "GET"}),
        json!({}),
    ] {
        let err = invoke(&service, event.to_string()).await.unwrap_err();
        assert_eq!(
            err.error_type, "updraft.contexts.UnrecognizedEvent",
            "{event}"
        );
    }
}
