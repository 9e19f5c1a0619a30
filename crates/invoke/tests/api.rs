//! `ApiClient` against a local axum server that answers, throttles (429 with `Retry-After`),
//! fails (503), stalls and sends huge bodies, and a raw TCP server that drops connections.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use updraft_core::backoff::Backoff;
use updraft_core::error::{Kind, Surface};
use updraft_core::{Env, Session};
use updraft_invoke::api::{ERROR_BODY_LIMIT, encode_segment};
use updraft_invoke::{ApiClient, Error};

/// Requests seen per path.
type Hits = Arc<Mutex<HashMap<String, u32>>>;

fn hit(hits: &Hits, key: &str) -> u32 {
    let mut hits = hits.lock().unwrap();
    let count = hits.entry(key.to_owned()).or_default();
    *count += 1;
    *count
}

/// What the request carried, for the tests to check.
async fn echo(headers: HeaderMap, RawQuery(query): RawQuery, body: String) -> Json<Value> {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    Json(json!({
        "authorization": header("authorization"),
        "state": header("constitution-state"),
        "accept": header("accept"),
        "content_type": header("content-type"),
        "extra": header("x-extra"),
        "trace": header("x-amzn-trace-id"),
        "query": query,
        "body": body,
    }))
}

/// The first `n` requests to this path answer `status`, then 200 with the count.
async fn flaky(
    State(hits): State<Hits>,
    Path((n, status, key)): Path<(u32, u16, String)>,
) -> Response {
    let count = hit(&hits, &format!("flaky/{n}/{status}/{key}"));
    if count <= n {
        let mut response = (StatusCode::from_u16(status).unwrap(), "busy").into_response();
        if status == 429 {
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
        }
        return response;
    }
    Json(json!({"attempts": count})).into_response()
}

async fn slow(Path(ms): Path<u64>) -> Json<Value> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Json(json!({"slept": ms}))
}

async fn big(Path(bytes): Path<usize>) -> String {
    format!("\"{}\"", "x".repeat(bytes))
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "e".repeat(3 * ERROR_BODY_LIMIT)).into_response()
}

async fn hits_of(State(hits): State<Hits>, Path(key): Path<String>) -> Json<u32> {
    Json(hits.lock().unwrap().get(&key).copied().unwrap_or_default())
}

async fn serve() -> (String, Hits) {
    let hits = Hits::default();
    let routes = Router::new()
        .route("/echo", any(echo))
        .route("/flaky/{n}/{status}/{key}", any(flaky))
        .route("/slow/{ms}", get(slow))
        .route("/big/{bytes}", get(big))
        .route("/missing", get(not_found))
        .route("/hits/{*key}", get(hits_of))
        .route("/empty", any(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/orders/{id}",
            get(|Path(id): Path<String>| async move { Json(id) }),
        )
        .with_state(hits.clone());
    let app = Router::new().nest("/v1", routes.clone()).merge(routes);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), hits)
}

fn client(url: &str) -> ApiClient {
    ApiClient::builder("orders")
        .env(Env::from_pairs([("INTER_SERVICE_TOKEN", "t0ken")]))
        .base_url(url)
        .backoff(Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(50),
            3,
        ))
        .build()
        .unwrap()
}

async fn hits_for(client: &ApiClient, key: &str) -> u32 {
    client.get(&format!("/hits/{key}")).await.unwrap()
}

#[tokio::test]
async fn calls_carry_the_token_the_session_state_and_json() {
    let (url, _) = serve().await;
    let orders = ApiClient::builder("orders")
        .env(Env::from_pairs([
            (
                "MICROSERVICE_URLS",
                format!(r#"{{"orders": "{url}/v1/"}}"#).as_str(),
            ),
            ("AUTH_BYPASS_TOKEN", "bypass"),
        ]))
        .header("x-extra", "from-the-client")
        .build()
        .unwrap();
    assert!(
        !format!("{orders:?}").contains("from-the-client"),
        "header values are redacted"
    );
    assert_eq!(orders.base_url(), format!("{url}/v1"));
    let seen: Value = Session::with_state("ohio")
        .scope(orders.list("/echo", &[("state", "CT"), ("q", "a b&c")]))
        .await
        .unwrap();
    assert_eq!(seen["authorization"], "Bearer bypass");
    assert_eq!(seen["state"], "ohio");
    assert_eq!(seen["accept"], "application/json");
    assert_eq!(seen["extra"], "from-the-client");
    assert_eq!(seen["query"], "state=CT&q=a+b%26c");
    assert_eq!(
        seen["trace"],
        Value::Null,
        "outside an invocation, no trace header"
    );
    let trace = "Root=1-6930a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    let traced: Value = updraft_core::Invocation::new()
        .with_trace(Some(updraft_core::TraceHeader::parse(trace).unwrap()))
        .scope(orders.get("/echo"))
        .await
        .unwrap();
    assert_eq!(traced["trace"], trace, "the invocation's trace goes along");
    let posted: Value = orders.post("/echo", &json!({"item": "tea"})).await.unwrap();
    assert_eq!(posted["body"], r#"{"item":"tea"}"#);
    assert_eq!(posted["content_type"], "application/json");
    assert_eq!(posted["state"], Value::Null, "no session, no state header");
    let per_call: Value = orders
        .request(http::Method::PATCH, "/echo")
        .header("x-extra", "per-call")
        .json(&json!([1]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        per_call["extra"], "per-call",
        "a call's header replaces the client's"
    );
    let unit: () = orders.delete("/empty").await.unwrap();
    assert_eq!(unit, ());
    let id: String = orders
        .get(&format!("/orders/{}", encode_segment("a/../b c")))
        .await
        .unwrap();
    assert_eq!(id, "a/../b c", "an encoded segment stays one segment");
}

#[tokio::test]
async fn throttling_and_unavailability_are_retried_for_idempotent_methods() {
    let (url, _) = serve().await;
    let orders = client(&url);
    let started = Instant::now();
    let answer: Value = orders.get("/flaky/1/429/a").await.unwrap();
    assert_eq!(answer["attempts"], 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let answer: Value = orders.put("/flaky/2/503/b", &json!({})).await.unwrap();
    assert_eq!(answer["attempts"], 3);
    // Three attempts, all 503: the last answer is the error.
    let error = orders.get::<Value>("/flaky/5/503/c").await.unwrap_err();
    assert!(
        matches!(error, Error::Response { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), Kind::Unavailable);
    assert_eq!(hits_for(&orders, "flaky/5/503/c").await, 3);
}

#[tokio::test]
async fn a_post_is_not_retried_once_sent_unless_marked_idempotent() {
    let (url, _) = serve().await;
    let orders = client(&url);
    let error = orders
        .post::<_, Value>("/flaky/1/503/d", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(hits_for(&orders, "flaky/1/503/d").await, 1);
    let answer: Value = orders
        .request(http::Method::POST, "/flaky/1/503/e")
        .json(&json!({}))
        .idempotent()
        .send()
        .await
        .unwrap();
    assert_eq!(answer["attempts"], 2);
}

#[tokio::test]
async fn the_retry_budget_stops_retries_when_spent() {
    let (url, _) = serve().await;
    let orders = ApiClient::builder("orders")
        .env(Env::default())
        .base_url(&url)
        .backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
            5,
        ))
        .retry_budget(2)
        .build()
        .unwrap();
    assert!(orders.get::<Value>("/flaky/9/503/f").await.is_err());
    assert_eq!(
        hits_for(&orders, "flaky/9/503/f").await,
        3,
        "two retries, then spent"
    );
    assert_eq!(orders.retry_budget().available(), 0);
    assert!(orders.get::<Value>("/flaky/9/503/g").await.is_err());
    assert_eq!(
        hits_for(&orders, "flaky/9/503/g").await,
        1,
        "no budget, no retry"
    );
}

#[tokio::test]
async fn a_slow_service_times_out_and_a_long_retry_after_is_not_waited_for() {
    let (url, _) = serve().await;
    let orders = ApiClient::builder("orders")
        .env(Env::from_pairs([("UPDRAFT_API_TIMEOUT", "300ms")]))
        .base_url(&url)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = orders.get::<Value>("/slow/5000").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Client {
                timed_out: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), Kind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
    let quick: Value = orders
        .request(http::Method::GET, "/slow/400")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(quick["slept"], 400);
    // Retry-After: 1 does not fit in 300 ms: the 429 is the answer.
    let throttled = orders.get::<Value>("/flaky/1/429/h").await.unwrap_err();
    assert_eq!(throttled.kind(), Kind::Throttled);
}

#[tokio::test]
async fn error_and_oversized_bodies_are_capped() {
    let (url, _) = serve().await;
    let orders = ApiClient::builder("orders")
        .env(Env::default())
        .base_url(&url)
        .max_response_size(1000)
        .build()
        .unwrap();
    let error = orders.get::<Value>("/missing").await.unwrap_err();
    match &error {
        Error::Response {
            status: 404,
            body,
            path,
            ..
        } => {
            assert_eq!(body.len(), ERROR_BODY_LIMIT);
            assert_eq!(path, "/missing");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !error.to_string().contains("eee"),
        "the body stays out of the message"
    );
    assert_eq!(error.public_message(), "internal server error");
    let fits: String = orders.get("/big/900").await.unwrap();
    assert_eq!(fits.len(), 900);
    let too_big = orders.get::<String>("/big/5000").await.unwrap_err();
    assert!(
        matches!(&too_big, Error::ResponseDecode { reason, .. } if reason.contains("over 1000 bytes")),
        "{too_big:?}"
    );
    let wrong = orders.get::<Vec<u32>>("/echo").await.unwrap_err();
    assert!(matches!(wrong, Error::ResponseDecode { .. }), "{wrong:?}");
}

/// A raw server whose first `drops` connections are closed after the request arrives, with
/// no answer; later ones get a 200.
async fn dropping(drops: usize) -> (SocketAddr, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let n = {
                let mut seen = counter.lock().unwrap();
                *seen += 1;
                *seen
            };
            tokio::spawn(async move {
                let mut buffer = vec![0; 8192];
                let _ = stream.read(&mut buffer).await;
                if n > drops {
                    let body = r#"{"ok": true}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    (address, seen)
}

#[tokio::test]
async fn dropped_connections_are_retried_for_get_and_not_for_post() {
    let (address, seen) = dropping(1).await;
    let orders = client(&format!("http://{address}"));
    let answer: Value = orders.get("/anything").await.unwrap();
    assert_eq!(answer, json!({"ok": true}));
    assert_eq!(*seen.lock().unwrap(), 2);

    let (address, seen) = dropping(1).await;
    let orders = client(&format!("http://{address}"));
    let error = orders
        .post::<_, Value>("/anything", &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Client {
                timed_out: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), Kind::Unavailable);
    assert_eq!(
        *seen.lock().unwrap(),
        1,
        "a POST that may have run is not sent again"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_post_then_reported() {
    let port = updraft_testkit::free_port();
    let orders = client(&format!("http://127.0.0.1:{port}"));
    let error = orders.post::<_, Value>("/x", &json!({})).await.unwrap_err();
    match &error {
        Error::Client {
            timed_out: false,
            reason,
            ..
        } => assert!(reason.contains("could not be made"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(error.kind(), Kind::Unavailable);
}

#[tokio::test]
async fn malformed_calls_and_settings_are_refused_before_sending() {
    let (url, hits) = serve().await;
    let orders = client(&url);
    for path in ["/orders/../admin", "orders", "/a b", "/x#y", "/%2E%2e/x"] {
        let error = orders.get::<Value>(path).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{path}: {error:?}"
        );
    }
    for header in [
        "authorization",
        "constitution-state",
        "host",
        "x-amz-date",
        "bad header",
    ] {
        let error = orders
            .request(http::Method::GET, "/echo")
            .header(header, "x")
            .send::<Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{header}: {error:?}"
        );
    }
    let unencodable = orders
        .request(http::Method::GET, "/echo")
        .query(&json!([[1, 2]]))
        .send::<Value>()
        .await
        .unwrap_err();
    assert!(matches!(unencodable, Error::InvalidRequest { .. }));
    assert!(
        hits.lock().unwrap().is_empty(),
        "nothing reached the server"
    );

    let unknown = ApiClient::builder("billing")
        .env(Env::from_pairs([(
            "MICROSERVICE_URLS",
            r#"{"orders": "https://o.example.com"}"#,
        )]))
        .build()
        .unwrap_err();
    match &unknown {
        Error::ServiceNotConfigured { name, known } => {
            assert_eq!(
                (name.as_str(), known.as_slice()),
                ("billing", &["orders".to_owned()][..])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(unknown.kind(), Kind::Config);
    for (name, value) in [
        ("MICROSERVICE_URLS", "{not json"),
        ("MICROSERVICE_URLS", r#"{"billing": "ftp://x"}"#),
        (
            "MICROSERVICE_URLS",
            r#"{"billing": "http://billing.internal"}"#,
        ),
        ("INTER_SERVICE_TOKEN", "two words"),
        ("UPDRAFT_API_TIMEOUT", "forever"),
    ] {
        let mut pairs = vec![(
            "MICROSERVICE_URLS",
            r#"{"billing": "https://b.example.com"}"#,
        )];
        pairs.retain(|(n, _)| *n != name);
        pairs.push((name, value));
        let error = ApiClient::builder("billing")
            .env(Env::from_pairs(pairs))
            .build()
            .unwrap_err();
        assert!(
            matches!(error, Error::Config(_)),
            "{name}={value}: {error:?}"
        );
        assert!(error.to_string().contains(name), "{error}");
        assert!(!error.to_string().contains("two words"), "{error}");
    }
    let debug = format!("{orders:?}");
    assert!(!debug.contains("t0ken"), "{debug}");
}

#[tokio::test]
async fn sigv4_signing_replaces_the_bearer_token() {
    let (url, _) = serve().await;
    let config = updraft_core::aws::ConfigLoader::new()
        .env(Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .load()
        .await
        .unwrap();
    let orders = ApiClient::builder("orders")
        .env(Env::from_pairs([("INTER_SERVICE_TOKEN", "t0ken")]))
        .base_url(&url)
        .sign(&config)
        .build()
        .unwrap();
    let seen: Value = Session::with_state("ohio")
        .scope(orders.get("/echo"))
        .await
        .unwrap();
    let authorization = seen["authorization"].as_str().unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
            && authorization.contains("/eu-west-1/execute-api/aws4_request")
            && authorization.contains("constitution-state"),
        "{authorization}"
    );
    assert_eq!(seen["state"], "ohio");
}

#[tokio::test]
async fn a_secret_reference_token_is_read_from_ssm_on_the_first_call() {
    let (url, _) = serve().await;
    let config = updraft_testkit::aws_config().await;
    let name = format!("/t/{}", updraft_testkit::unique_name("invoke-token"));
    aws_sdk_ssm::Client::new(&config)
        .put_parameter()
        .name(&name)
        .value(r#"{"token": "fr0m-ssm"}"#)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let reference = format!("ssm://{name}#token");
    let orders = ApiClient::builder("orders")
        .env(Env::from_pairs([(
            "INTER_SERVICE_TOKEN",
            reference.as_str(),
        )]))
        .base_url(&url)
        .secrets_config(&config)
        .build()
        .unwrap();
    let seen: Value = orders.get("/echo").await.unwrap();
    assert_eq!(seen["authorization"], "Bearer fr0m-ssm");
    assert!(!format!("{orders:?}").contains("fr0m-ssm"));

    let missing = ApiClient::builder("orders")
        .env(Env::from_pairs([(
            "INTER_SERVICE_TOKEN",
            "ssm:///t/no-such-parameter-anywhere",
        )]))
        .base_url(&url)
        .secrets_config(&config)
        .build()
        .unwrap();
    let error = missing.get::<Value>("/echo").await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(_)) && error.to_string().contains("INTER_SERVICE_TOKEN"),
        "{error:?}"
    );
}
