//! The HTTP API: `POST /orders` and `GET /orders/{id}`, for callers with a bearer token and a
//! session state (the HTTP context's `full` auth mode).

use std::sync::Arc;

use updraft::contexts::axum::extract::{Path, State};
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::axum::routing::{get, post};
use updraft::contexts::axum::{Json, Router};
use updraft::contexts::http::{ApiError, App, AuthMode, CurrentSession, ValidJson};
use updraft::core::{Env, SdkConfig, Session};
use updraft::dynamo::auth::TokenStore;
use updraft::dynamo::{Dynamo, Table};
use updraft::idempotency::Idempotency;
use updraft::sns::Topic;

use crate::model::{NewOrder, Order, OrderCreated, status};
use crate::vars::{ORDERS_TABLE, ORDERS_TOPIC_ARN, TOKENS_TABLE, required};

/// What the routes share.
#[derive(Debug)]
struct Api {
    orders: Table<Order>,
    topic: Topic<OrderCreated>,
}

/// The app from `env`: `ORDERS_TABLE`, `TOKENS_TABLE`, `ORDERS_TOPIC_ARN` and
/// `IDEMPOTENCY_TABLE`.
///
/// # Errors
///
/// A variable that is missing.
pub fn app(config: &SdkConfig, env: &Env) -> Result<App, updraft::core::Error> {
    let dynamo = Dynamo::new(config);
    let api = Arc::new(Api {
        orders: dynamo.table_named(required(env, ORDERS_TABLE)?),
        topic: Topic::from_arn(config, required(env, ORDERS_TOPIC_ARN)?),
    });
    let tokens = TokenStore::new(&dynamo, required(env, TOKENS_TABLE)?);
    let idempotency = Idempotency::from_env(&dynamo, env)?;
    let router = Router::new()
        .route("/orders", post(create))
        // Only the routes above get the layer: a retried POST with the same key gets the
        // first answer, and no second order.
        .layer(idempotency.http_layer("create-order"))
        .route("/orders/{id}", get(read))
        .with_state(api);
    Ok(App::new(router)
        .env(env.clone())
        .auth_mode(AuthMode::Full)
        .token_verifier(tokens))
}

/// The caller's state and user id. The `full` auth mode has already answered 400 without a
/// state and 401 without a valid token.
fn caller(session: &Session) -> Result<(String, String), ApiError> {
    let state = session
        .state
        .clone()
        .ok_or_else(|| ApiError::bad_request("the request has no session state"))?;
    let user = session
        .user
        .as_ref()
        .and_then(|user| user.get("id"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("anonymous")
        .to_owned();
    Ok((state, user))
}

async fn create(
    State(api): State<Arc<Api>>,
    CurrentSession(session): CurrentSession,
    ValidJson(new): ValidJson<NewOrder>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let (state, customer) = caller(&session)?;
    let total_cents = u64::from(new.quantity)
        .checked_mul(new.unit_cents)
        .ok_or_else(|| {
            ApiError::bad_request("the total overflows").with_field("quantity", "too large")
        })?;
    let order = Order {
        id: format!("ord-{:016x}", fastrand::u64(..)),
        state,
        customer,
        item: new.item,
        quantity: new.quantity,
        unit_cents: new.unit_cents,
        total_cents,
        tax_cents: None,
        status: status::RECEIVED.to_owned(),
        report_task: None,
    };
    api.orders.put(&order).if_not_exists().await?;
    let created = OrderCreated {
        order_id: order.id.clone(),
        total_cents,
    };
    // The session is current in the handler: the topic puts it in the `session` attribute.
    if let Err(error) = api.topic.publish(&created).await {
        // Without its message the order would never move: take it back, so that the client's
        // retry (same Idempotency-Key, since this answer is not stored) starts clean.
        if let Err(undo) = api.orders.delete(order.id.as_str()).await {
            tracing::error!(order = %order.id, error = %undo, "an unpublished order could not be deleted");
        }
        return Err(error.into());
    }
    tracing::info!(order = %order.id, total_cents, "order received");
    Ok((StatusCode::CREATED, Json(order)))
}

async fn read(
    State(api): State<Arc<Api>>,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let (state, _) = caller(&session)?;
    // Another state's order is as absent as one that does not exist.
    match api.orders.get(id.as_str()).await? {
        Some(order) if order.state == state => Ok(Json(order)),
        _ => Err(ApiError::not_found("no such order")),
    }
}
