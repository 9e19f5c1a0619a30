//! The HTTP layer over an axum router, with its records in DynamoDB Local.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower::ServiceExt as _;
use updraft_dynamo::Dynamo;
use updraft_idempotency::{Idempotency, IdempotencyLayer};
use updraft_testkit::{aws_config, unique_name};

async fn pay(State(runs): State<Arc<AtomicUsize>>, body: String) -> axum::response::Response {
    if body.contains("slow") {
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
    if body.contains("boom") {
        return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
    }
    (
        StatusCode::CREATED,
        [("x-payment", format!("p-{run}"))],
        format!(r#"{{"run": {run}}}"#),
    )
        .into_response()
}

async fn fixture(
    layer: impl FnOnce(&Idempotency) -> IdempotencyLayer,
) -> (Router, Arc<AtomicUsize>, Dynamo, String) {
    let dynamo = Dynamo::new(&aws_config().await);
    let table = unique_name("idempotency-http");
    let idempotency = Idempotency::new(&dynamo, &table).function_name("tests");
    idempotency.create_table_if_missing().await.unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/payments", post(pay))
        .route("/payments", get(|| async { "list" }))
        .layer(layer(&idempotency))
        .with_state(runs.clone());
    (router, runs, dynamo, table)
}

async fn drop_table(dynamo: &Dynamo, table: &str) {
    let _ = dynamo.sdk().delete_table().table_name(table).send().await;
}

fn request(keys: &[&str], body: &str) -> Request<Body> {
    let mut builder = Request::post("/payments");
    for key in keys {
        builder = builder.header("idempotency-key", *key);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, Option<String>, Option<String>, String) {
    let response: Response<Body> = router.clone().oneshot(request).await.unwrap();
    let (status, payment, replayed) = {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        (
            response.status(),
            header("x-payment"),
            header("idempotent-replayed"),
        )
    };
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        payment,
        replayed,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn a_repeat_replays_status_headers_and_body_exactly() {
    let (router, runs, dynamo, table) = fixture(|i| i.http_layer("payments")).await;
    let first = send(&router, request(&["k-1"], r#"{"amount": 5}"#)).await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(first.1.as_deref(), Some("p-1"));
    assert_eq!(first.2, None, "the first answer is not a replay");
    let again = send(&router, request(&["k-1"], r#"{"amount": 5}"#)).await;
    assert_eq!(
        (again.0, again.1.as_deref(), again.3.as_str()),
        (StatusCode::CREATED, Some("p-1"), r#"{"run": 1}"#)
    );
    assert_eq!(again.2.as_deref(), Some("true"));
    let quoted = send(&router, request(&["\"k-1\""], r#"{"amount": 5}"#)).await;
    assert_eq!(
        quoted.2.as_deref(),
        Some("true"),
        "a quoted key is the same key"
    );
    let mismatch = send(&router, request(&["k-1"], r#"{"amount": 6}"#)).await;
    assert_eq!(mismatch.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let without = send(&router, request(&[], r#"{"amount": 5}"#)).await;
    assert_eq!(without.0, StatusCode::CREATED, "no key, no idempotency");
    let list = router
        .clone()
        .oneshot(
            Request::get("/payments")
                .header("idempotency-key", "k-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK, "safe methods pass through");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    drop_table(&dynamo, &table).await;
}

#[tokio::test]
async fn a_server_error_is_answered_and_the_next_attempt_runs() {
    let (router, runs, dynamo, table) = fixture(|i| i.http_layer("payments")).await;
    let failed = send(&router, request(&["k-2"], "boom")).await;
    assert_eq!(failed.0, StatusCode::SERVICE_UNAVAILABLE);
    let retried = send(&router, request(&["k-2"], "boom")).await;
    assert_eq!(retried.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(runs.load(Ordering::SeqCst), 2, "the claim was released");
    drop_table(&dynamo, &table).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_get_409_with_retry_after_and_run_once() {
    let (router, runs, dynamo, table) = fixture(|i| i.http_layer("payments")).await;
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let router = router.clone();
            tokio::spawn(async move { send(&router, request(&["k-3"], "slow")).await })
        })
        .collect();
    let mut created = 0;
    for call in calls {
        let (status, _, _, _) = call.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("{other}"),
        }
    }
    assert!(created >= 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let response = router
        .clone()
        .oneshot(request(&["k-4"], "slow"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    drop_table(&dynamo, &table).await;
}

#[tokio::test]
async fn malformed_or_missing_keys_are_400() {
    let (router, runs, dynamo, table) = fixture(|i| i.http_layer("payments").require_key()).await;
    let long = "k".repeat(256);
    for keys in [
        vec![],
        vec!["a", "b"],
        vec![long.as_str()],
        vec!["two words"],
        vec!["\"\""],
    ] {
        let (status, ..) = send(&router, request(&keys, "{}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{keys:?}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    drop_table(&dynamo, &table).await;
}

#[tokio::test]
async fn the_key_can_come_from_body_fields() {
    let (router, runs, dynamo, table) =
        fixture(|i| i.http_layer("payments").key_from_body(["order_id"])).await;
    let body = r#"{"order_id": "o-1", "amount": 5}"#;
    let first = send(&router, request(&[], body)).await;
    let again = send(&router, request(&[], body)).await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!((again.1, again.2.as_deref()), (first.1, Some("true")));
    let other = send(&router, request(&[], r#"{"amount": 5}"#)).await;
    assert_eq!(other.2, None, "no key field: no idempotency");
    let header_wins = send(&router, request(&["k-9"], body)).await;
    assert_eq!(header_wins.2, None, "the header's key is another key");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    drop_table(&dynamo, &table).await;
}
