//! The same app as a plain HTTP server on 127.0.0.1.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use updraft_core::Env;
use updraft_core::testing::{free_port, wait_for_port};

async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let reply =
        updraft_core::testing::request(address, method, path, headers, body.as_bytes()).await;
    (reply.status, reply.json())
}

async fn serve(app: updraft_contexts::http::App) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        app.serve(listener).await.unwrap();
    });
    (address, server)
}

#[tokio::test]
async fn the_app_behaves_the_same_over_plain_http() {
    let (address, server) = serve(common::app().strip_prefixes(["/api"])).await;
    let (status, body) = request(address, "GET", "/hello/bob", &[], "").await;
    assert_eq!((status, body), (200, json!({"message": "hello, bob"})));
    let order = r#"{"item": "tea", "quantity": 2}"#;
    let (status, body) = request(
        address,
        "POST",
        "/api/orders",
        &[
            ("content-type", "application/json"),
            ("constitution-state", "ct"),
        ],
        order,
    )
    .await;
    assert_eq!(
        (status, body),
        (201, json!({"item": "tea", "quantity": 2, "state": "ct"}))
    );
    let (status, body) = request(
        address,
        "POST",
        "/orders",
        &[("content-type", "application/json")],
        r#"{"item": ""}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["fields"][0]["field"], "quantity");
    let (status, body) = request(address, "GET", "/panic", &[], "").await;
    assert_eq!(
        (status, body),
        (500, json!({"message": "internal server error"}))
    );
    let (status, _) = request(address, "GET", "/hello/again", &[], "").await;
    assert_eq!(status, 200, "the server keeps serving after a panic");
    let (status, body) = request(address, "GET", "/nowhere", &[], "").await;
    assert_eq!(
        (status, body),
        (404, json!({"message": "no route for GET /nowhere"}))
    );
    server.abort();
}

#[tokio::test]
async fn run_serves_locally_on_port_when_not_in_lambda() {
    let port = free_port();
    let env = Env::from_pairs([("PORT", port.to_string())]);
    let server = tokio::spawn(
        updraft_contexts::http::App::new(common::router())
            .env(env)
            .run(),
    );
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(wait_for_port(address, std::time::Duration::from_secs(5)).await);
    assert_eq!(request(address, "GET", "/hello/x", &[], "").await.0, 200);
    server.abort();
}

#[tokio::test]
async fn a_taken_port_and_a_bad_port_are_typed_errors() {
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let err = common::app()
        .env(Env::from_pairs([("PORT", port.as_str())]))
        .run()
        .await
        .unwrap_err();
    assert!(
        matches!(err, updraft_contexts::Error::Bind { .. }),
        "{err:?}"
    );
    let err = common::app()
        .env(Env::from_pairs([("PORT", "eighty")]))
        .run()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("PORT"), "{err}");
}
