//! The same app as a plain HTTP server on 127.0.0.1.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use updraft_core::Env;
use updraft_testkit::{free_port, wait_for_port};

async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let reply = updraft_testkit::request(address, method, path, headers, body.as_bytes()).await;
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

/// A client that opens a connection, writes `sent`, then goes quiet; returns how long the
/// server took to close the connection (`None`: still open after `patience`).
async fn stall(
    address: SocketAddr,
    sent: &[u8],
    patience: std::time::Duration,
) -> (Option<std::time::Duration>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // A server that answers early and closes may cut the write short: that is fine.
    let _ = stream.write_all(sent).await;
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    match tokio::time::timeout(patience, stream.read_to_end(&mut answer)).await {
        Ok(_) => (
            Some(started.elapsed()),
            String::from_utf8_lossy(&answer).into_owned(),
        ),
        Err(_) => (None, String::from_utf8_lossy(&answer).into_owned()),
    }
}

fn quick_app() -> updraft_contexts::http::App {
    updraft_contexts::http::App::new(common::router()).env(Env::from_pairs([
        ("UPDRAFT_HEADER_READ_TIMEOUT", "500ms"),
        ("UPDRAFT_BODY_READ_TIMEOUT", "1s"),
    ]))
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let (address, server) = serve(quick_app()).await;
    let (closed, _) = stall(
        address,
        b"GET /hello/slow HTTP/1.1\r\nHost: x\r\n",
        std::time::Duration::from_secs(5),
    )
    .await;
    let closed = closed.expect("the server closed the connection");
    assert!(
        closed < std::time::Duration::from_secs(3),
        "closed after {closed:?}"
    );
    assert_eq!(
        request(address, "GET", "/hello/next", &[], "").await.0,
        200,
        "and keeps serving others"
    );
    server.abort();
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408() {
    let (address, server) = serve(quick_app()).await;
    let (closed, answer) = stall(
        address,
        b"POST /echo-bytes HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly part",
        std::time::Duration::from_secs(5),
    )
    .await;
    assert!(closed.is_some(), "the connection was freed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    server.abort();
}

#[tokio::test]
async fn bodies_over_lambdas_6_mb_are_refused() {
    let (address, server) = serve(quick_app()).await;
    let limit = updraft_contexts::http::MAX_BODY_BYTES;
    let (closed, answer) = stall(
        address,
        format!("POST /echo-bytes HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", limit + 1).as_bytes(),
        std::time::Duration::from_secs(5),
    )
    .await;
    assert!(closed.is_some());
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "declared too large: {answer}"
    );
    let chunked = format!(
        "POST /echo-bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        limit + 1,
        "a".repeat(limit + 1)
    );
    let (_, answer) = stall(
        address,
        chunked.as_bytes(),
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "streamed too large: {answer:.200}"
    );
    let fits = "b".repeat(1024);
    let (status, _) = request(address, "POST", "/echo-bytes", &[], &fits).await;
    assert_eq!(status, 200);
    server.abort();
}
