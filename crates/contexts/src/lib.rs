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
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel;
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

/// Any error, boxed: what a handler returns when it has no error type of its own. Every error
/// type converts into it with `?`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What an event handler (invoke, SQS, streams, WebSocket) returns when it has no error type of
/// its own.
///
/// A closure that only ever returns `Ok(())` leaves its error type unknown; name the result
/// instead of writing a turbofish:
///
/// ```
/// use updraft_contexts::HandlerResult;
/// use updraft_contexts::sqs::{self, Record};
///
/// let consumer = sqs::consumer(|record: Record<String>| async move {
///     let n: u32 = record.body.trim().parse()?; // any error converts
///     tracing::info!(n, "counted");
///     HandlerResult::Ok(())
/// });
/// # drop(consumer);
/// ```
///
/// A handler that is a function says so in its signature:
/// `async fn handle(record: Record<Job>) -> HandlerResult`. The error's `Display` is what
/// the context logs (and, for invocations, what the caller's envelope says).
///
/// HTTP handlers are axum handlers and return
/// [`ApiResult`](crate::http::ApiResult) instead.
pub type HandlerResult<T = ()> = Result<T, HandlerError>;

/// The items most HTTP services use, for `use updraft_contexts::prelude::*`.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod prelude {
    pub use crate::http::{
        ApiError, ApiResult, App, CurrentSession, ValidJson, ValidPath, ValidQuery,
    };
}
