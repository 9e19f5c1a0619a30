//! API Gateway Lambda authorizers: everything of the `updraft-apigw-authorizer` crate (typed
//! TOKEN, REQUEST, HTTP API and WebSocket events; policies and simple responses valid by
//! construction), and [`run`], which serves an authorizer as the contexts serve theirs.
//!
//! ```no_run
//! use updraft::apigw_authorizer::{Context, Denial, Policy, TokenEvent, Unauthorized};
//!
//! async fn authorize(event: TokenEvent) -> Result<Policy, Denial> {
//!     match event.bearer() {
//!         "let-me-in" => Ok(Policy::allow("user-1", event.method_arn.whole_stage())?
//!             .context(Context::new().string("user", "demo")?)),
//!         _ => Err(Unauthorized.into()),
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft::contexts::Error> {
//!     updraft::apigw_authorizer::run(authorize).await
//! }
//! ```

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
#[doc(inline)]
pub use updraft_apigw_authorizer::*;
use updraft_contexts::lambda_runtime::{LambdaEvent, service_fn};

/// Serves the authorizer `handler`: in Lambda (`AWS_LAMBDA_RUNTIME_API` set) through the
/// runtime, elsewhere once on an event from a file or stdin, printing the answer (the
/// contexts' CLI), with the contexts' JSON logs either way.
///
/// `handler` takes the event (a [`TokenEvent`], [`RequestEvent`], [`HttpEvent`] or
/// [`WebSocketEvent`], or [`Event`] for any of them) and answers a policy or a simple
/// response, or a [`Denial`]: `Denial::Unauthorized` makes API Gateway answer 401, any other
/// a 500.
///
/// # Errors
///
/// The contexts' [`Error`](updraft_contexts::Error): malformed configuration, or the runtime
/// loop failing; outside Lambda, an unreadable event or a denial.
pub async fn run<E, R, H, Fut>(handler: H) -> Result<(), updraft_contexts::Error>
where
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    H: Fn(E) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Denial>> + Send + 'static,
{
    let handler = Arc::new(handler);
    updraft_contexts::cli::run(service_fn(move |event: LambdaEvent<E>| {
        let handler = Arc::clone(&handler);
        async move { handler(event.payload).await }
    }))
    .await
}
