//! The representative item both codecs convert: about 30 attributes, with nested maps, lists,
//! sets, numbers, strings, booleans and options, as `#[derive(Model)]` and as serde (with
//! `serde_dynamo`'s set helpers and `None` left out, so both write the same DynamoDB types).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use updraft::dynamo::Model;

/// An order, as a shop's table might hold it.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "Orders")]
pub struct Order {
    /// Hash key.
    #[dynamo(hash)]
    pub customer: String,
    /// Range key.
    #[dynamo(range)]
    pub order_id: String,
    /// Status.
    pub status: String,
    /// Created at (epoch millis).
    pub created_ms: i64,
    /// Updated at (epoch millis).
    pub updated_ms: i64,
    /// Total.
    pub total_cents: i64,
    /// Tax.
    pub tax_cents: i64,
    /// Discount rate.
    pub discount: f64,
    /// Currency.
    pub currency: String,
    /// Gift wrapped.
    pub gift: bool,
    /// Paid.
    pub paid: bool,
    /// A note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A coupon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon: Option<String>,
    /// Channel.
    pub channel: String,
    /// Locale.
    pub locale: String,
    /// Items.
    pub lines: Vec<Line>,
    /// Shipping address.
    pub shipping: Address,
    /// Billing address.
    pub billing: Address,
    /// Tags.
    #[serde(with = "serde_dynamo::string_set")]
    pub tags: HashSet<String>,
    /// Warehouse ids.
    #[serde(with = "serde_dynamo::number_set")]
    pub warehouses: BTreeSet<i64>,
    /// Loyalty points per program.
    pub points: HashMap<String, i64>,
    /// Tracking numbers.
    pub tracking: Vec<String>,
    /// Attempts of each delivery.
    pub attempts: Vec<i64>,
    /// Weight.
    pub weight_grams: u32,
    /// Volume.
    pub volume_ml: u32,
    /// Priority.
    pub priority: u8,
    /// Rating left by the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// Source campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// Version.
    pub version: u64,
    /// Region.
    pub region: String,
}

/// One line of an order.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Line {
    /// Product.
    pub sku: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_cents: i64,
    /// Options chosen.
    pub options: Vec<String>,
}

/// An address.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    /// Name.
    pub name: String,
    /// Street.
    pub street: String,
    /// City.
    pub city: String,
    /// Postcode.
    pub postcode: String,
    /// Country.
    pub country: String,
    /// Coordinates.
    pub location: Vec<f64>,
}

/// The item both benchmarks convert.
#[must_use]
pub fn order() -> Order {
    let address = |name: &str| Address {
        name: name.to_owned(),
        street: "12 Harbour Lane".to_owned(),
        city: "Cork".to_owned(),
        postcode: "T12 X70A".to_owned(),
        country: "IE".to_owned(),
        location: vec![51.8985, -8.4756],
    };
    Order {
        customer: "customer-8841".to_owned(),
        order_id: "2026-11-30-000193".to_owned(),
        status: "shipped".to_owned(),
        created_ms: 1_764_460_800_123,
        updated_ms: 1_764_547_200_456,
        total_cents: 12_999,
        tax_cents: 2_990,
        discount: 0.15,
        currency: "EUR".to_owned(),
        gift: false,
        paid: true,
        note: Some("leave at the door".to_owned()),
        coupon: Some("AUTUMN10".to_owned()),
        channel: "web".to_owned(),
        locale: "en-IE".to_owned(),
        lines: (0..3)
            .map(|i| Line {
                sku: format!("SKU-{i:05}"),
                quantity: i + 1,
                unit_cents: 1_999 + i64::from(i) * 500,
                options: vec!["blue".to_owned(), "large".to_owned()],
            })
            .collect(),
        shipping: address("Aoife Murphy"),
        billing: address("Aoife Murphy"),
        tags: HashSet::from([
            "first-order".to_owned(),
            "promo".to_owned(),
            "eu".to_owned(),
        ]),
        warehouses: BTreeSet::from([3, 7, 12]),
        points: HashMap::from([("club".to_owned(), 120), ("partner".to_owned(), 40)]),
        tracking: vec!["IE123456789".to_owned(), "IE987654321".to_owned()],
        attempts: vec![1, 2],
        weight_grams: 1_850,
        volume_ml: 9_400,
        priority: 2,
        rating: Some(4.5),
        campaign: Some("black-friday".to_owned()),
        version: 3,
        region: "eu-west-1".to_owned(),
    }
}
