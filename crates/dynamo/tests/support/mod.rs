//! Models and a client for the tests, which run against the DynamoDB Local that
//! `cargo xtask test` starts.
#![allow(dead_code, reason = "each test file uses part of the support")]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::SystemTime;

use updraft_dynamo::{Binary, Dynamo, Model, Number};

/// Creates table `name` keyed by the string attribute `hash`, on demand, with a stream of new
/// and old images (which `Table::create` does not turn on).
pub(crate) async fn create_streamed_table(dynamo: &Dynamo, name: &str, hash: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        StreamSpecification, StreamViewType,
    };
    dynamo
        .sdk()
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(hash)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(hash)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The client for the local DynamoDB.
pub(crate) async fn dynamo() -> Dynamo {
    Dynamo::new(&updraft_testkit::aws_config().await)
}

/// awstin's tutorial model.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Movies")]
pub(crate) struct Movie {
    #[dynamo(hash)]
    pub(crate) year: i32,
    #[dynamo(range)]
    pub(crate) title: String,
    pub(crate) info: Info,
}

/// A nested map.
#[derive(Model, Debug, Clone, PartialEq, Default)]
pub(crate) struct Info {
    pub(crate) plot: Option<String>,
    pub(crate) rating: Option<Number>,
    #[dynamo(default)]
    pub(crate) actors: Vec<String>,
    pub(crate) genres: BTreeSet<String>,
}

impl Movie {
    pub(crate) fn new(year: i32, title: &str) -> Self {
        Self {
            year,
            title: title.to_owned(),
            info: Info::default(),
        }
    }
}

/// Every kind of attribute, reserved words for names, and both kinds of index.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Songs")]
#[dynamo(gsi(name = "by_status", hash = "status", range = "year"))]
#[dynamo(lsi(name = "by_year", range = "year"))]
pub(crate) struct Song {
    #[dynamo(hash)]
    pub(crate) name: String,
    #[dynamo(range)]
    pub(crate) size: String,
    pub(crate) status: String,
    pub(crate) year: i32,
    pub(crate) count: i64,
    pub(crate) price: f64,
    pub(crate) big: Number,
    pub(crate) flag: bool,
    pub(crate) data: Binary,
    pub(crate) tags: HashSet<String>,
    pub(crate) scores: BTreeSet<i64>,
    pub(crate) blobs: BTreeSet<Binary>,
    pub(crate) list: Vec<i32>,
    pub(crate) nested: Vec<Info>,
    pub(crate) map: HashMap<String, i32>,
    pub(crate) json: serde_json::Value,
    pub(crate) when: SystemTime,
    pub(crate) maybe: Option<String>,
    pub(crate) empty: String,
    #[dynamo(rename = "Comment")]
    pub(crate) comment: Option<String>,
    #[dynamo(skip)]
    pub(crate) scratch: u8,
}

impl Song {
    pub(crate) fn new(name: &str, size: &str) -> Self {
        Self {
            name: name.to_owned(),
            size: size.to_owned(),
            status: "active".to_owned(),
            year: 1999,
            count: 3,
            price: 9.99,
            big: "-12345678901234567890123456789.012345678"
                .parse()
                .expect("38 digits"),
            flag: true,
            data: Binary(vec![0, 1, 254, 255]),
            tags: HashSet::from(["rock".to_owned(), "live".to_owned()]),
            scores: BTreeSet::from([1, 2, 3]),
            blobs: BTreeSet::from([Binary(vec![1]), Binary(vec![2, 3])]),
            list: vec![1, 2, 3],
            nested: vec![Info {
                plot: Some("nested".to_owned()),
                ..Info::default()
            }],
            map: HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]),
            json: serde_json::json!({"k": [1, "two", null, {"deep": true}]}),
            when: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_767_225_600_123),
            maybe: None,
            empty: String::new(),
            comment: Some("reserved and renamed".to_owned()),
            scratch: 0,
        }
    }
}

/// Optimistic locking, timestamps and a TTL.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Accounts")]
pub(crate) struct Account {
    #[dynamo(hash)]
    pub(crate) id: String,
    pub(crate) balance: i64,
    #[dynamo(version)]
    pub(crate) version: u64,
    #[dynamo(created_at)]
    pub(crate) created: Option<SystemTime>,
    #[dynamo(updated_at)]
    pub(crate) updated: Option<SystemTime>,
    #[dynamo(ttl)]
    pub(crate) expires: Option<i64>,
}

impl Account {
    pub(crate) fn new(id: &str, balance: i64) -> Self {
        Self {
            id: id.to_owned(),
            balance,
            version: 0,
            created: None,
            updated: None,
            expires: None,
        }
    }
}
