//! The handler of the `invoke-sum` example, as a library so its tests share it.

use serde::Deserialize;
use serde_json::{Value, json};

/// The `data` of the event.
#[derive(Debug, Deserialize)]
pub struct Operands {
    /// The first operand.
    pub a: i64,
    /// The second operand.
    pub b: i64,
}

/// `{"sum": a + b}`.
///
/// # Errors
///
/// When the sum overflows an `i64`.
#[allow(
    clippy::unused_async,
    reason = "a handler is an async function, whether or not it awaits"
)]
pub async fn sum(operands: Operands) -> Result<Value, String> {
    let sum = operands
        .a
        .checked_add(operands.b)
        .ok_or_else(|| format!("{} + {} overflows", operands.a, operands.b))?;
    Ok(json!({ "sum": sum }))
}
