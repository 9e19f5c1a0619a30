//! The routes of `idempotent-payments`: `POST /payments` `{"amount": n}` writes one payment
//! and answers 201 `{"id", "amount"}`; a retry with the same `Idempotency-Key` gets the same
//! answer, and no second payment. The OpenAPI document of the routes is generated from their
//! types, served at `/openapi.json`, and checked in as `openapi.json`.

use serde::{Deserialize, Serialize};
use updraft::contexts::axum::extract::State;
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::axum::{Json, Router};
use updraft::contexts::http::openapi::{ApiRouter, Documented, Info, api};
use updraft::contexts::http::{ApiError, App, ValidJson};
use updraft::core::Env;
use updraft::dynamo::{Capacity, Dynamo, Model, Table};
use updraft::idempotency::Idempotency;

/// The variable that names the payments table.
pub const PAYMENTS_TABLE_VAR: &str = "PAYMENTS_TABLE";
/// With `true`, both tables are created at start when they are missing (local development).
pub const CREATE_TABLES_VAR: &str = "UPDRAFT_CREATE_TABLES";

/// One payment.
#[derive(Model, Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[dynamo(table = "payments")]
pub struct Payment {
    /// Its id, made up at creation.
    #[dynamo(hash)]
    pub id: String,
    /// In cents.
    pub amount: i64,
}

/// The body of `POST /payments`.
#[derive(Debug, Deserialize, garde::Validate, schemars::JsonSchema)]
pub struct NewPayment {
    /// In cents: 1 to 1,000,000.
    #[garde(range(min = 1, max = 1_000_000))]
    pub amount: i64,
}

async fn create(
    State(payments): State<Table<Payment>>,
    ValidJson(new): ValidJson<NewPayment>,
) -> Result<(StatusCode, Json<Payment>), ApiError> {
    let payment = Payment {
        id: format!("pay-{:016x}", fastrand::u64(..)),
        amount: new.amount,
    };
    payments.put(&payment).if_not_exists().await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

/// The routes and their OpenAPI document; the state (the payments table) comes later, so the
/// document needs no table.
///
/// # Panics
///
/// Never for these routes: the document is generated from types known at compile time.
pub fn documented() -> Documented<Table<Payment>> {
    let info = Info {
        title: "idempotent-payments".into(),
        description: Some(
            "One payment per `Idempotency-Key` header, however often a client retries.".into(),
        ),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Info::default()
    };
    Documented::generate(info, || {
        ApiRouter::new().api_route(
            "/payments",
            api::post_with(create, |op| {
                op.summary("Writes one payment")
                    .description(
                        "Send an `Idempotency-Key` header: a retry with the same key gets the first answer and writes nothing.",
                    )
                    .response::<201, Json<Payment>>()
            }),
        )
    })
    .unwrap_or_else(|error| panic!("the idempotent-payments document: {error}"))
}

/// The routes, with `POST /payments` behind the idempotency layer.
pub fn router(payments: Table<Payment>, idempotency: &Idempotency) -> Router {
    documented()
        .into_router()
        .layer(idempotency.http_layer("payments"))
        .with_state(payments)
}

/// The app from `env`: `PAYMENTS_TABLE`, `IDEMPOTENCY_TABLE`, and `UPDRAFT_CREATE_TABLES`.
///
/// # Errors
///
/// A missing variable, or a table that cannot be created.
pub async fn app(dynamo: &Dynamo, env: &Env) -> Result<App, Box<dyn std::error::Error>> {
    let payments = dynamo.table_named::<Payment>(env.require(PAYMENTS_TABLE_VAR)?.trim());
    let idempotency = Idempotency::from_env(dynamo, env)?;
    if env.flag(CREATE_TABLES_VAR)?.unwrap_or(false) {
        if !payments.exists().await? {
            payments.create(Capacity::OnDemand).await?;
        }
        idempotency.create_table_if_missing().await?;
    }
    Ok(App::new(router(payments, &idempotency)))
}
