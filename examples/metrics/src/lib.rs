//! The handler of the `metrics` example, as a library so its tests share it.

use serde::Deserialize;
use serde_json::{Value, json};
use updraft::contexts::HandlerResult;
use updraft::metrics::{self, Unit};

/// The `data` of the event.
#[derive(Debug, Deserialize)]
pub struct Placed {
    /// How many orders were placed.
    pub orders: u32,
}

/// Records `OrdersPlaced` (Count) with the number of orders, and answers `{"recorded": n}`.
/// The metric is written as an EMF document to stdout when the invocation ends.
///
/// # Errors
///
/// Never; the input's shape is checked by the context before the handler runs.
#[allow(
    clippy::unused_async,
    reason = "a handler is an async function, whether or not it awaits"
)]
pub async fn place(placed: Placed) -> HandlerResult<Value> {
    metrics::add("OrdersPlaced", Unit::Count, f64::from(placed.orders));
    Ok(json!({ "recorded": placed.orders }))
}
