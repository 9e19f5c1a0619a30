//! The service's data: the order as DynamoDB keeps it, the body of `POST /orders`, the message
//! the API publishes, the pricing function's contract and the report document.

use serde::{Deserialize, Serialize};
use updraft::dynamo::Model;

/// Where an order is in its life. Each change is pushed to the order's websocket subscribers.
pub mod status {
    /// Written by the API; `OrderCreated` is published.
    pub const RECEIVED: &str = "received";
    /// Priced, signed and stored in PostgreSQL by the consumer.
    pub const CONFIRMED: &str = "confirmed";
    /// A large order whose report task was launched.
    pub const REPORTING: &str = "reporting";
    /// Its report document is in MongoDB.
    pub const REPORTED: &str = "reported";
}

/// An order, in the orders table (hash key `id`).
#[derive(Model, Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[dynamo(table = "orders")]
pub struct Order {
    /// `ord-` and 16 hex digits, made up by the API.
    #[dynamo(hash)]
    pub id: String,
    /// The tenant: the session state of the request that created it. Every reader checks it
    /// against its own session, so one state never sees another's orders.
    pub state: String,
    /// The user of the bearer token that created it.
    pub customer: String,
    /// What is ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_cents: u64,
    /// `quantity × unit_cents`.
    pub total_cents: u64,
    /// The tax, once the consumer has priced it.
    pub tax_cents: Option<u64>,
    /// One of [`status`].
    pub status: String,
    /// The ARN of the report task, for a large order.
    pub report_task: Option<String>,
}

/// The body of `POST /orders`.
#[derive(Debug, Clone, Serialize, Deserialize, garde::Validate, schemars::JsonSchema)]
pub struct NewOrder {
    /// 1 to 64 characters.
    #[garde(length(chars, min = 1, max = 64))]
    pub item: String,
    /// 1 to 1000.
    #[garde(range(min = 1, max = 1000))]
    pub quantity: u32,
    /// 1 to 1,000,000 cents.
    #[garde(range(min = 1, max = 1_000_000))]
    pub unit_cents: u64,
}

/// The message the API publishes to the orders topic; the consumer reads the order itself
/// from DynamoDB. The session (state and user) travels in the message's `session` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    /// The order's id.
    pub order_id: String,
    /// Its total, in cents.
    pub total_cents: u64,
}

/// What the consumer sends the pricing function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRequest {
    /// The amount to tax, in cents.
    pub total_cents: u64,
}

/// What the pricing function answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tax {
    /// The rate applied, in basis points (575 = 5.75 %).
    pub rate_basis_points: u32,
    /// The tax, in cents, rounded half up.
    pub tax_cents: u64,
}

/// The report document the Fargate task writes into its state's MongoDB database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The order's id, as the document's `_id`: writing the report again replaces it.
    #[serde(rename = "_id")]
    pub order_id: String,
    /// The customer.
    pub customer: String,
    /// What was ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// The total, in cents.
    pub total_cents: u64,
    /// The tax, in cents.
    pub tax_cents: u64,
    /// The total with tax, in cents.
    pub grand_total_cents: u64,
}
