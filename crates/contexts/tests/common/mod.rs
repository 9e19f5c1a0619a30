//! The router the contexts tests serve, and helpers to call it.
#![allow(dead_code, reason = "each test file uses a part of the shared helpers")]
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use updraft_contexts::http::testing::{Event, invoke};
use updraft_contexts::http::{ApiError, ApiResult, App, CurrentSession, LambdaService, ValidJson};
use updraft_core::{Env, Session};

#[derive(Debug, Deserialize, garde::Validate)]
pub(crate) struct Order {
    #[garde(length(chars, min = 1, max = 64))]
    pub(crate) item: String,
    #[garde(range(min = 1, max = 1000))]
    pub(crate) quantity: u32,
}

async fn hello(Path(name): Path<String>) -> Json<Value> {
    Json(json!({ "message": format!("hello, {name}") }))
}

async fn create_order(
    CurrentSession(session): CurrentSession,
    ValidJson(order): ValidJson<Order>,
) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        Json(json!({ "item": order.item, "quantity": order.quantity, "state": session.state })),
    )
}

async fn echo(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    body: axum::body::Bytes,
) -> Json<Value> {
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": query,
        "cookie": headers.get("cookie").and_then(|v| v.to_str().ok()),
        "header1": headers.get("header1").and_then(|v| v.to_str().ok()),
        "body": String::from_utf8_lossy(&body),
        "body_len": body.len(),
    }))
}

async fn echo_bytes(body: axum::body::Bytes) -> impl IntoResponse {
    ([("content-type", "application/octet-stream")], body)
}

async fn whoami(CurrentSession(session): CurrentSession) -> Json<Value> {
    Json(
        json!({ "state": session.state, "user": session.user, "deep": deep_in_the_call_chain().await }),
    )
}

async fn deep_in_the_call_chain() -> Option<String> {
    tokio::task::yield_now().await;
    Session::current().and_then(|s| s.state)
}

async fn image() -> impl IntoResponse {
    (
        [("content-type", "image/png")],
        vec![0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff],
    )
}

async fn fail(Path(kind): Path<String>) -> ApiResult<&'static str> {
    match kind.as_str() {
        "conflict" => Err(ApiError::conflict("the order was changed meanwhile")),
        "unprocessable" => Err(ApiError::unprocessable("cannot ship to the moon")),
        "forbidden" => Err(ApiError::forbidden("not yours")),
        "core" => Err(updraft_core::Error::MissingSessionState.into()),
        "internal" => Err(ApiError::internal(std::io::Error::other(
            "disk on fire at /var/secret",
        ))),
        _ => Ok("fine"),
    }
}

#[allow(clippy::unused_async, reason = "a handler")]
async fn panics() -> &'static str {
    panic!("the handler fell over");
}

pub(crate) fn router() -> Router {
    Router::new()
        .route("/hello/{name}", get(hello))
        .route("/orders", post(create_order))
        .route("/echo", get(echo).post(echo).put(echo).delete(echo))
        .route("/echo-bytes", post(echo_bytes))
        .route("/whoami", get(whoami))
        .route("/image", get(image))
        .route("/fail/{kind}", get(fail))
        .route("/panic", get(panics))
        .route(
            "/number/{n}",
            get(|Path(n): Path<u32>| async move { n.to_string() }),
        )
}

/// The app with no environment at all, so the developer's variables cannot leak in.
pub(crate) fn app() -> App {
    App::new(router()).env(Env::default())
}

pub(crate) fn lambda(app: App) -> LambdaService {
    app.into_lambda_service().unwrap()
}

pub(crate) async fn call(service: &LambdaService, event: &Event) -> Value {
    invoke(service, event.to_bytes()).await.unwrap()
}

/// The response body as JSON (decoding base64 where the source used it).
pub(crate) fn body_json(response: &Value) -> Value {
    serde_json::from_slice(&body_bytes(response)).unwrap_or(Value::Null)
}

pub(crate) fn body_bytes(response: &Value) -> Vec<u8> {
    use base64::Engine as _;
    let body = response["body"].as_str().unwrap_or_default();
    if response["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    } else {
        body.as_bytes().to_vec()
    }
}

/// Every source, with the base path of the custom-domain variant stripped.
pub(crate) fn stripping_app() -> LambdaService {
    lambda(app().strip_prefixes(["/shop"]))
}
