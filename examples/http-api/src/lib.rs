//! The routes of the `http-api` example, as a library so its tests and benchmarks share them.
//!
//! With the default `openapi` feature the routes are declared on an `ApiRouter`, which also
//! generates their OpenAPI document (served at `/openapi.json`, checked in as `openapi.json`).
//! A Lambda build without default features serves the same routes from a plain axum router,
//! which keeps the binary and its cold start at their smallest; a test checks that both serve
//! the same routes.

use serde::Deserialize;
use serde_json::{Value, json};
use updraft::contexts::axum::extract::Path;
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::axum::routing::{get, post};
use updraft::contexts::axum::{Json, Router};
use updraft::contexts::http::{App, CurrentSession, ValidJson};

/// The body of `POST /orders`.
#[derive(Debug, Deserialize, garde::Validate)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Order {
    /// What is ordered: 1 to 64 characters.
    #[garde(length(chars, min = 1, max = 64))]
    pub item: String,
    /// How many: 1 to 1000.
    #[garde(range(min = 1, max = 1000))]
    pub quantity: u32,
}

async fn hello(Path(name): Path<String>) -> Json<Value> {
    Json(json!({ "message": format!("hello, {name}") }))
}

async fn create_order(
    CurrentSession(session): CurrentSession,
    ValidJson(order): ValidJson<Order>,
) -> (StatusCode, Json<Value>) {
    let body = json!({ "item": order.item, "quantity": order.quantity, "state": session.state });
    (StatusCode::CREATED, Json(body))
}

async fn panic() -> Json<Value> {
    panic!("GET /panic panics on purpose");
}

/// The routes and their OpenAPI document (feature `openapi`).
///
/// # Panics
///
/// Never for these routes: the document is generated from types known at compile time.
#[cfg(feature = "openapi")]
pub fn documented() -> updraft::contexts::http::openapi::Documented {
    use updraft::contexts::http::openapi::{ApiRouter, Documented, Info, api};
    let info = Info {
        title: "http-api".into(),
        description: Some("One axum API for every Lambda HTTP source.".into()),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Info::default()
    };
    Documented::generate(info, || {
        ApiRouter::new()
            .api_route(
                "/hello/{name}",
                api::get_with(hello, |op| op.summary("Greets `name`")),
            )
            .api_route(
                "/orders",
                api::post_with(create_order, |op| {
                    op.summary("Places an order under the caller's state")
                        .response::<201, Json<Value>>()
                }),
            )
            .route("/panic", get(panic))
    })
    .unwrap_or_else(|error| panic!("the http-api document: {error}"))
}

/// The routes: `GET /hello/{name}`, `POST /orders`, `GET /panic` (and, with the `openapi`
/// feature, `GET /openapi.json`); anything else is a 404.
pub fn router() -> Router {
    #[cfg(feature = "openapi")]
    return documented().into_router();
    #[cfg(not(feature = "openapi"))]
    plain_router()
}

/// The same routes on a plain axum router, undocumented: what a build without the `openapi`
/// feature serves.
pub fn plain_router() -> Router {
    Router::new()
        .route("/hello/{name}", get(hello))
        .route("/orders", post(create_order))
        .route("/panic", get(panic))
}

/// The app: the routes, with the session state read from the default header,
/// `constitution-state` (aws-python-helper's).
pub fn app() -> App {
    App::new(router())
}
