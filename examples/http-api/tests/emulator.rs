//! The example binary under cargo-lambda's Lambda emulator: the real `lambda_runtime` loop,
//! fed each source's events through the emulator's Invoke API.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft::contexts::http::testing::Event;
use updraft::testing::Emulator;

struct Emulated(Emulator);

async fn start(extra_env: &[(&str, &str)]) -> Emulated {
    Emulated(Emulator::start(env!("CARGO_BIN_EXE_http-api"), extra_env).await)
}

impl Emulated {
    async fn invoke(&self, event: &Event) -> (u64, Value) {
        let reply = self.0.invoke(&event.to_bytes()).await;
        assert_eq!(
            reply.status,
            200,
            "the emulator answered {}: {:?}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
        let response = reply.json();
        let body = serde_json::from_str(response["body"].as_str().unwrap_or("null"))
            .unwrap_or(Value::Null);
        (response["statusCode"].as_u64().unwrap_or(0), body)
    }
}

#[tokio::test]
async fn the_example_serves_every_source_through_the_lambda_runtime() {
    let lambda = start(&[("UPDRAFT_STRIP_PREFIXES", "/shop")]).await;
    let sources = [
        ("alb", Event::alb()),
        ("rest-api", Event::rest_api()),
        ("rest-api-custom-domain", Event::rest_api_custom_domain()),
        ("http-api", Event::http_api()),
        ("http-api-named-stage", Event::http_api_named_stage()),
        ("function-url", Event::function_url()),
        ("vpc-lattice", Event::vpc_lattice()),
    ];
    for (name, event) in sources {
        let get = event.clone().method("GET").query("").body("");
        assert_eq!(
            lambda.invoke(&get.clone().path("/hello/emulator")).await,
            (200, json!({"message": "hello, emulator"})),
            "{name}"
        );
        let order = event
            .clone()
            .method("POST")
            .path("/orders")
            .header("constitution-state", "ct")
            .json_body(&json!({"item": "tea", "quantity": 2}));
        assert_eq!(
            lambda.invoke(&order).await,
            (201, json!({"item": "tea", "quantity": 2, "state": "ct"})),
            "{name}"
        );
        let invalid = event
            .clone()
            .method("POST")
            .path("/orders")
            .json_body(&json!({"item": "", "quantity": 2}));
        let (status, body) = lambda.invoke(&invalid).await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("item")),
            "{name}"
        );
        let (status, _) = lambda.invoke(&get.clone().path("/panic")).await;
        assert_eq!(status, 500, "{name}");
        assert_eq!(
            lambda.invoke(&get.clone().path("/hello/again")).await.0,
            200,
            "{name}: still serving after a panic"
        );
        let (status, body) = lambda.invoke(&get.path("/nowhere")).await;
        assert_eq!((status, body["message"].is_string()), (404, true), "{name}");
    }
}

#[tokio::test]
async fn malformed_events_get_errors_from_the_runtime_and_the_function_survives() {
    let lambda = start(&[]).await;
    let bad_base64 = Event::http_api()
        .method("POST")
        .path("/orders")
        .raw_base64_body("@@@");
    assert_eq!(lambda.invoke(&bad_base64).await.0, 400);
    let not_http = lambda.0.invoke(br#"{"Records": []}"#).await;
    let answer = not_http.json();
    assert!(answer.to_string().contains("doesn't match"), "{answer}");
    let hello = Event::http_api()
        .method("GET")
        .path("/hello/after")
        .body("");
    assert_eq!(lambda.invoke(&hello).await.0, 200, "the function survived");
}
