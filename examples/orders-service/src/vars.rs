//! The variables the functions read, beyond those of the Updraft crates they use
//! (`IDEMPOTENCY_TABLE`, `db_*`, `MONGODB_URI`, `ECS_*`, `UPDRAFT_METRICS_NAMESPACE`, …).

use updraft::core::Env;

/// The orders table (API, consumer, report task).
pub const ORDERS_TABLE: &str = "ORDERS_TABLE";
/// The bearer-token table the API verifies callers against.
pub const TOKENS_TABLE: &str = "TOKENS_TABLE";
/// The websocket subscriptions table (websocket function, consumer).
pub const SUBSCRIPTIONS_TABLE: &str = "SUBSCRIPTIONS_TABLE";
/// The topic the API publishes `OrderCreated` to.
pub const ORDERS_TOPIC_ARN: &str = "ORDERS_TOPIC_ARN";
/// The pricing function's name or ARN (consumer).
pub const PRICING_FUNCTION: &str = "PRICING_FUNCTION";
/// The Secrets Manager secret whose value signs stored orders (consumer).
pub const SIGNING_SECRET: &str = "SIGNING_SECRET";
/// The websocket API's domain (`abc123.execute-api.us-east-1.amazonaws.com`) (consumer).
pub const WEBSOCKET_DOMAIN: &str = "WEBSOCKET_DOMAIN";
/// The websocket API's stage (`live`, or `$default`) (consumer).
pub const WEBSOCKET_STAGE: &str = "WEBSOCKET_STAGE";
/// From this total (in cents, tax excluded) on, an order gets a report task; default 100000.
pub const LARGE_ORDER_CENTS: &str = "LARGE_ORDER_CENTS";
/// The report task's order (set by the consumer when it launches the task).
pub const ORDER_ID: &str = "ORDER_ID";

/// The default of [`LARGE_ORDER_CENTS`]: orders of $1,000 and more get a report.
pub const DEFAULT_LARGE_ORDER_CENTS: u64 = 100_000;

/// The value of `name`, trimmed, or a configuration error naming it.
///
/// # Errors
///
/// `MissingVar` when it is unset or blank.
pub fn required(env: &Env, name: &str) -> Result<String, updraft::core::Error> {
    Ok(env.require(name)?.trim().to_owned())
}
