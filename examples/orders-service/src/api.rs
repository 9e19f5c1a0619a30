//! The HTTP API: `POST /orders` and `GET /orders/{id}`, for callers with a bearer token and a
//! session state (the HTTP context's `full` auth mode). Its OpenAPI document is generated from
//! the routes' types, served at `/openapi.json` and checked in as `openapi.json`.

use std::sync::Arc;

use updraft::contexts::axum::Json;
use updraft::contexts::axum::extract::{Path, State};
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::http::openapi::{ApiRouter, Documented, Info, api};
use updraft::contexts::http::{ApiError, App, AuthMode, CurrentSession, ValidJson};
use updraft::core::{Env, SdkConfig, Session};
use updraft::dynamo::auth::TokenStore;
use updraft::dynamo::{Dynamo, Table};
use updraft::idempotency::{Idempotency, IdempotencyLayer};
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
    let router = documented(Some(idempotency.http_layer("create-order")))
        .into_router()
        .with_state(api);
    Ok(App::new(router)
        .env(env.clone())
        .auth_mode(AuthMode::Full)
        .token_verifier(tokens))
}

/// The routes and their OpenAPI document. Only `POST /orders` gets the idempotency layer: a
/// retried POST with the same key gets the first answer, and no second order. The document
/// needs neither the layer nor the state.
fn documented(idempotency: Option<IdempotencyLayer>) -> Documented<Arc<Api>> {
    let info = Info {
        title: "orders-api".into(),
        description: Some(
            "Orders of the caller's state: a bearer token (`Authorization`) and the state header (`constitution-state`) on every request.".into(),
        ),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Info::default()
    };
    let generated = Documented::generate(info, move || {
        let create = api::post_with(create, |op| {
            op.summary("Places an order")
                .description("Send an `Idempotency-Key` header to make retries safe.")
                .response::<201, Json<Order>>()
        });
        let create = match idempotency {
            Some(layer) => create.layer(layer),
            None => create,
        };
        ApiRouter::new().api_route("/orders", create).api_route(
            "/orders/{id}",
            api::get_with(read, |op| {
                op.summary("One order of the caller's state; another state's is a 404")
            }),
        )
    });
    generated.unwrap_or_else(|error| panic!("the orders-api document: {error}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in `openapi.json` is the generated document (`cargo xtask openapi`
    /// rewrites it).
    #[test]
    fn the_checked_in_document_is_the_generated_one() {
        let documented = documented(None);
        let schemas = &documented.document()["components"]["schemas"];
        assert_eq!(
            schemas["NewOrder"]["properties"]["quantity"]["maximum"],
            1000
        );
        assert!(schemas["Order"]["properties"]["status"].is_object());
        updraft::testing::openapi_snapshot(
            env!("CARGO_MANIFEST_DIR"),
            &documented.to_json_pretty(),
        );
    }
}
