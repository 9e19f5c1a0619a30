//! The routes of the `http-api` example, as a library so its tests and benchmarks share them.

use serde::Deserialize;
use serde_json::{Value, json};
use updraft::contexts::axum::extract::Path;
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::axum::routing::{get, post};
use updraft::contexts::axum::{Json, Router};
use updraft::contexts::http::{App, CurrentSession, ValidJson};

/// The body of `POST /orders`.
#[derive(Debug, Deserialize, garde::Validate)]
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

/// The routes: `GET /hello/{name}`, `POST /orders`, `GET /panic`; anything else is a 404.
pub fn router() -> Router {
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
