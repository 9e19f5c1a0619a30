#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
mod error;
mod function;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod idempotency;
mod key;
#[cfg(feature = "contexts")]
#[cfg_attr(docsrs, doc(cfg(feature = "contexts")))]
pub mod sqs;
mod store;

pub use error::Error;
pub use function::{HandlerFuture, Idempotent};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http::IdempotencyLayer;
pub use idempotency::{
    DEFAULT_EXPIRES_AFTER, DEFAULT_LOCK_TIMEOUT, Idempotency, RESPONSE_LIMIT, TABLE_VAR,
};
pub use key::Key;
