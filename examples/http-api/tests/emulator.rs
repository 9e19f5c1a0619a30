//! The example binary under cargo-lambda's Lambda emulator: the real `lambda_runtime` loop,
//! fed each source's events through the emulator's Invoke API.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use updraft::contexts::http::testing::Event;
use updraft::core::testing::{ChildGuard, free_port, request, servers_env, wait_for_port};

/// The emulator and the function, stopped when the test ends.
struct Emulated {
    address: SocketAddr,
    _emulator: ChildGuard,
    _function: ChildGuard,
}

async fn start(extra_env: &[(&str, &str)]) -> Emulated {
    let env = servers_env();
    let cargo_lambda = env.require("CARGO_LAMBDA").unwrap().to_owned();
    let port = free_port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let emulator = ChildGuard::spawn(
        "cargo lambda watch",
        Command::new(&cargo_lambda)
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    assert!(
        wait_for_port(address, Duration::from_secs(30)).await,
        "the emulator did not start"
    );
    let function = ChildGuard::spawn(
        "http-api",
        Command::new(env!("CARGO_BIN_EXE_http-api"))
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
            .envs(extra_env.iter().copied())
            .stdout(Stdio::null()),
    );
    Emulated {
        address,
        _emulator: emulator,
        _function: function,
    }
}

impl Emulated {
    async fn invoke(&self, event: &Event) -> (u64, Value) {
        let reply = request(
            self.address,
            "POST",
            "/2015-03-31/functions/_/invocations",
            &[],
            &event.to_bytes(),
        )
        .await;
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
            .header("x-state", "ct")
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
    let not_http = request(
        lambda.address,
        "POST",
        "/2015-03-31/functions/_/invocations",
        &[],
        br#"{"Records": []}"#,
    )
    .await;
    let answer = not_http.json();
    assert!(answer.to_string().contains("doesn't match"), "{answer}");
    let hello = Event::http_api()
        .method("GET")
        .path("/hello/after")
        .body("");
    assert_eq!(lambda.invoke(&hello).await.0, 200, "the function survived");
}
