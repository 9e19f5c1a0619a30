#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cli;
mod error;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod invoke;
pub mod lambda;
pub mod logging;
#[cfg(any(feature = "local", feature = "sqs-poller"))]
mod shutdown;
pub mod sqs;
pub mod streams;
pub mod websocket;

pub use aws_lambda_events;
#[cfg(feature = "sqs-poller")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqs-poller")))]
pub use aws_sdk_sqs;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use axum;
pub use error::Error;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use lambda_http;
pub use lambda_runtime;

/// The items most HTTP services use, for `use updraft_contexts::prelude::*`.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod prelude {
    pub use crate::http::{
        ApiError, ApiResult, App, CurrentSession, ValidJson, ValidPath, ValidQuery,
    };
}
