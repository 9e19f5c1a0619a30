#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The derive names this crate `::updraft_dynamo`, also inside its own tests and examples.
#[allow(
    unused_extern_crates,
    reason = "used by the derive's expansions in this crate's tests"
)]
extern crate self as updraft_dynamo;

mod admin;
#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
mod batch;
mod client;
mod error;
pub mod expr;
pub mod kind;
mod model;
mod navigate;
mod number;
mod ops;
mod page;
mod path;
mod query;
mod scan;
#[cfg(feature = "streams")]
#[cfg_attr(docsrs, doc(cfg(feature = "streams")))]
pub mod stream;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod transaction;
pub mod value;
mod write;

pub use admin::Capacity;
/// The SDK, for its types (`AttributeValue`, `Blob`, …) and for what this crate does not cover.
pub use aws_sdk_dynamodb;
pub use batch::{Incomplete, MAX_GET_KEYS, MAX_WRITES, Write};
pub use client::{BatchSettings, Dynamo, Table};
pub use error::Error;
pub use expr::{Condition, ExpressionError, IntoOperand, Operand, Projection, Update};
pub use model::{
    AnyPath, Index, IndexKind, IndexSchema, IntoKey, Item, KeyAttribute, KeySchema, Model, NoRange,
    Stamp, Timestamp, Version,
};
pub use number::{MAX_DIGITS, MAX_EXPONENT, MIN_EXPONENT, Number, NumberError};
pub use ops::{Delete, Get, Put, UpdateItem};
pub use page::Page;
pub use path::{FromPath, Path, RawPath, Segment};
pub use query::Query;
pub use scan::Scan;
pub use transaction::{CancelReason, MAX_ACTIONS, Transaction};
/// Derives [`Model`] (and [`Item`] with `#[dynamo(table = "…")]`); see the crate docs for
/// its attributes.
pub use updraft_dynamo_derive::Model;
pub use value::{Attr, AttributeValue, Binary, FromAttr, RawItem, ToAttr, ValueError};

/// The items most code uses: `use updraft_dynamo::prelude::*`.
pub mod prelude {
    pub use crate::{Condition, Dynamo, Item, Model, Number, Table, Transaction, Update};
}
