//! Events of every authorizer kind, from AWS's documented samples, and malformed ones: each
//! gives a clear error, never a panic.
#![allow(clippy::unwrap_used, reason = "tests")]

use proptest::prelude::*;
use serde_json::{Value, json};
use updraft_apigw_authorizer::{Event, HttpEvent, RequestEvent, TokenEvent, WebSocketEvent};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn documented_events_of_each_kind_are_read_and_told_apart() {
    let token: TokenEvent = serde_json::from_value(fixture("rest-token")).unwrap();
    assert_eq!(token.token, "allow");
    assert_eq!(token.method_arn.api_id(), "abcdef123");
    assert!(matches!(
        Event::try_from(fixture("rest-token")).unwrap(),
        Event::Token(_)
    ));

    let request: RequestEvent = serde_json::from_value(fixture("rest-request")).unwrap();
    assert_eq!(request.method_arn.path(), "request");
    assert_eq!(request.request.headers["HeaderAuth1"], "headerValue1");
    assert!(matches!(
        Event::try_from(fixture("rest-request")).unwrap(),
        Event::Request(_)
    ));

    let http: HttpEvent = serde_json::from_value(fixture("http-v2")).unwrap();
    assert_eq!(http.route_arn.stage(), "test");
    assert_eq!(
        http.request.identity_source.as_deref(),
        Some(&["user1".to_owned(), "123".to_owned()][..])
    );
    assert!(matches!(
        Event::try_from(fixture("http-v2")).unwrap(),
        Event::Http(_)
    ));

    let ws: WebSocketEvent = serde_json::from_value(fixture("websocket-connect")).unwrap();
    assert!(ws.method_arn.is_websocket());
    assert_eq!(ws.query["QueryString1"], "queryValue1");
    assert_eq!(ws.stage.as_deref(), Some("default"));
    let event = Event::try_from(fixture("websocket-connect")).unwrap();
    assert!(matches!(event, Event::WebSocket(_)));
    assert_eq!(event.arn().method(), "$connect");
}

#[test]
fn bearer_tokens_and_debug_output() {
    let mut raw = fixture("rest-token");
    raw["authorizationToken"] = json!("Bearer s3cr3t-token");
    let token: TokenEvent = serde_json::from_value(raw).unwrap();
    assert_eq!(token.bearer(), "s3cr3t-token");
    let printed = format!("{token:?} {:?}", Event::Token(token.clone()));
    assert!(!printed.contains("s3cr3t"), "{printed}");
    let request: RequestEvent = serde_json::from_value(fixture("rest-request")).unwrap();
    assert!(
        !format!("{request:?}").contains("headerValue1"),
        "headers carry credentials"
    );
}

#[test]
fn malformed_events_say_what_is_wrong() {
    let cases = [
        (json!(null), "not a JSON object"),
        (json!([]), "not a JSON object"),
        (json!({}), "no `type`"),
        (json!({"type": "COOKIE"}), "unknown authorizer type"),
        (
            json!({"type": "TOKEN", "methodArn": "arn:aws:execute-api:r:1:a/s/GET/"}),
            "authorizationToken",
        ),
        (
            json!({"type": "TOKEN", "authorizationToken": "  ", "methodArn": "arn:aws:execute-api:r:1:a/s/GET/"}),
            "authorizationToken",
        ),
        (
            json!({"type": "TOKEN", "authorizationToken": "t"}),
            "no `methodArn`",
        ),
        (
            json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": 7}),
            "no `methodArn`",
        ),
        (
            json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": "arn:aws:lambda:r:1:function:f"}),
            "not an execute-api ARN",
        ),
        (
            json!({"type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:a/s/GET/", "requestContext": 5}),
            "not a REQUEST authorizer event",
        ),
        (
            json!({"version": "2.0", "type": "REQUEST"}),
            "no `routeArn`",
        ),
        (
            json!({"type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:a/s/$connect", "requestContext": {"eventType": "CONNECT"}}),
            "connectionId",
        ),
        (
            json!({"type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:a/s/$connect", "headers": 3, "requestContext": {"eventType": "CONNECT", "connectionId": "c"}}),
            "`headers` is not a map",
        ),
    ];
    for (event, expected) in cases {
        let error = Event::try_from(event.clone()).unwrap_err().to_string();
        assert!(error.contains(expected), "{event}: {error}");
        let through_serde = serde_json::from_value::<Event>(event.clone())
            .unwrap_err()
            .to_string();
        assert!(through_serde.contains(expected), "{event}: {through_serde}");
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("TOKEN"),
            Just("REQUEST"),
            Just("2.0"),
            Just("CONNECT"),
            Just("arn:aws:execute-api:r:1:a/s/GET/x")
        ]
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type"),
                    Just("version"),
                    Just("methodArn"),
                    Just("routeArn"),
                    Just("authorizationToken"),
                    Just("requestContext"),
                    Just("eventType"),
                    Just("connectionId"),
                    Just("headers")
                ]
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn random_json_never_panics(value in json_value()) {
        let _ = Event::try_from(value.clone());
        let _ = serde_json::from_value::<TokenEvent>(value);
    }
}

#[test]
fn fuzz_authorizer_events_are_read_or_refused_never_panicked_on() {
    use updraft_testkit::fuzz;
    let fixtures = [
        include_str!("../fixtures/rest-token.json"),
        include_str!("../fixtures/rest-request.json"),
        include_str!("../fixtures/http-v2.json"),
        include_str!("../fixtures/websocket-connect.json"),
    ];
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&fixtures))| {
        let _ = serde_json::from_slice::<Event>(&bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            if let Ok(event) = Event::try_from(value.clone()) {
                let arn = event.arn();
                prop_assert!(!arn.api_id().is_empty(), "{:?}", arn);
            }
            let _ = serde_json::from_value::<TokenEvent>(value.clone());
            let _ = serde_json::from_value::<RequestEvent>(value.clone());
            let _ = serde_json::from_value::<HttpEvent>(value.clone());
            let _ = serde_json::from_value::<WebSocketEvent>(value);
        }
    });
}
