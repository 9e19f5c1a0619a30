//! What every Lambda context shares: running a handler under `lambda_runtime`, after checking
//! the runtime's own variables; making each invocation (request id, trace header, deadline)
//! current for its handler; catching panics; and telling whether this process is in Lambda.

use std::fmt::Debug;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt as _;
use lambda_runtime::{Diagnostic, IntoFunctionResponse, LambdaEvent};
use serde::{Deserialize, Serialize};
use tower::Service;
use updraft_core::Env;
use updraft_core::invocation::{self, Invocation, Scoped, TraceHeader};

use crate::Error;

/// The variables `lambda_runtime` reads, and panics without.
const RUNTIME_VARS: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Whether this process runs inside Lambda (or its emulator): `AWS_LAMBDA_RUNTIME_API` is set.
#[must_use]
pub fn in_lambda(env: &Env) -> bool {
    updraft_core::logging::in_lambda(env)
}

/// Checks that the process environment has what `lambda_runtime` needs, so a misconfigured
/// emulator or container gets a typed error naming the variable instead of a panic.
///
/// # Errors
///
/// [`Error::Config`] naming the first missing or malformed variable.
pub fn check_runtime_env() -> Result<(), Error> {
    check(&Env::from_process())
}

fn check(env: &Env) -> Result<(), Error> {
    for name in RUNTIME_VARS {
        env.require(name)?;
    }
    env.parse::<i32>("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
    env.parse::<http::Uri>("AWS_LAMBDA_RUNTIME_API")?;
    Ok(())
}

/// The time the current invocation has left before Lambda stops it: inside a handler served
/// by a context (also under several concurrent invocations, each its own), or inside
/// [`with_deadline`]. `None` outside any invocation, such as in a local server or a test.
#[must_use]
pub fn remaining_time() -> Option<Duration> {
    invocation::with_current(|current| current.and_then(Invocation::remaining_time))
}

/// Runs `future` as if it were an invocation that must end by `deadline`, so that
/// [`remaining_time`] answers inside it; for runners of your own and for tests.
pub async fn with_deadline<F: Future>(deadline: SystemTime, future: F) -> F::Output {
    Invocation::new()
        .with_deadline(deadline)
        .scope(future)
        .await
}

/// The invocation a Lambda context describes: its request id, deadline and trace header (the
/// runtime's, never the process variable), and whether it is the process's first.
pub(crate) fn invocation_of(context: &lambda_runtime::Context) -> Invocation {
    // A malformed header is not passed on; it is in the request span's `xray_trace_id` as the
    // runtime gave it, so it is not logged again on every invocation.
    let trace = context
        .xray_trace_id
        .as_deref()
        .and_then(|value| TraceHeader::parse(value).ok());
    Invocation::new()
        .with_request_id(context.request_id.as_str())
        .with_deadline(context.deadline())
        .with_trace(trace)
        .with_cold_start(invocation::take_cold_start())
}

/// A service that makes each invocation current (request id, trace header, deadline) for its
/// handler, and finishes it (flushing its metrics, say) when the handler returns: what
/// [`serve`] runs every context's service in. For runners of your own, and for tests that
/// drive a context's service with Lambda events of their own.
///
/// ```
/// use updraft_contexts::lambda::{self, Invocations};
/// use updraft_contexts::lambda_runtime::{Context, LambdaEvent};
/// use tower::ServiceExt as _;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let service = tower::service_fn(|_: LambdaEvent<()>| async {
///     Ok::<_, std::convert::Infallible>(updraft_core::invocation::current_trace())
/// });
/// let mut context = Context::default();
/// context.request_id = "req-1".into();
/// context.xray_trace_id = Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1".into());
/// let trace = Invocations::new(service).oneshot(LambdaEvent::new((), context)).await.unwrap();
/// assert_eq!(trace.unwrap().root(), "1-5759e988-bd862e3fe1be46a994272793");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Invocations<F>(F);

impl<F> Invocations<F> {
    /// Wraps `service`.
    pub fn new(service: F) -> Self {
        Self(service)
    }
}

impl<F, A> Service<LambdaEvent<A>> for Invocations<F>
where
    F: Service<LambdaEvent<A>>,
{
    type Response = F::Response;
    type Error = F::Error;
    type Future = Scoped<F::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, event: LambdaEvent<A>) -> Self::Future {
        invocation_of(&event.context).scope_with(|| self.0.call(event))
    }
}

/// Runs `service` as the function's handler: checks the runtime variables, then serves
/// invocations, several at once when `AWS_LAMBDA_MAX_CONCURRENCY` asks for it (Lambda Managed
/// Instances). Logging must be initialised by the caller.
///
/// # Errors
///
/// [`Error::Config`] for a missing runtime variable, [`Error::Runtime`] if the loop fails.
pub async fn serve<F, A, R, B, S, D, E>(service: F) -> Result<(), Error>
where
    F: Service<LambdaEvent<A>, Response = R> + Clone + Send + 'static,
    F::Future: Future<Output = Result<R, F::Error>> + Send + 'static,
    F::Error: Into<Diagnostic> + Debug,
    A: for<'de> Deserialize<'de> + Send + 'static,
    R: IntoFunctionResponse<B, S> + Send + 'static,
    B: Serialize + Send + 'static,
    S: futures_util::Stream<Item = Result<D, E>> + Unpin + Send + 'static,
    D: Into<bytes::Bytes> + Send + 'static,
    E: Into<lambda_runtime::Error> + Send + Debug + 'static,
{
    check_runtime_env()?;
    lambda_runtime::run_concurrent(Invocations(service))
        .await
        .map_err(Error::Runtime)
}

/// Runs `future`, turning a panic into `Err` with its message; the panic hook has logged it.
///
/// A plain combinator rather than an `async fn`, so the future is not moved into one more
/// state machine on every record's path.
pub(crate) fn catch_panic<F: Future>(future: F) -> impl Future<Output = Result<F::Output, String>> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .map(|result| result.map_err(|payload| updraft_core::logging::panic_message(&*payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_runtime_variables_are_named() {
        let complete = [
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_LAMBDA_FUNCTION_NAME", "f"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ];
        assert!(check(&Env::from_pairs(complete)).is_ok());
        let err = check(&Env::from_pairs(complete[..3].iter().copied())).unwrap_err();
        assert!(
            err.to_string().contains("AWS_LAMBDA_FUNCTION_VERSION"),
            "{err}"
        );
        let mut api = complete;
        api[0].1 = "not a uri at all";
        let err = check(&Env::from_pairs(api)).unwrap_err();
        assert!(err.to_string().contains("AWS_LAMBDA_RUNTIME_API"), "{err}");
        let mut bad = complete;
        bad[2].1 = "lots";
        let err = check(&Env::from_pairs(bad)).unwrap_err();
        assert!(
            err.to_string().contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_deadline_is_the_invocations_own() {
        assert_eq!(remaining_time(), None, "no invocation");
        let deadline = SystemTime::now() + Duration::from_secs(30);
        let left = with_deadline(deadline, async {
            tokio::task::yield_now().await;
            remaining_time()
        })
        .await
        .unwrap();
        assert!(
            left <= Duration::from_secs(30) && left > Duration::from_secs(25),
            "{left:?}"
        );
        let past = with_deadline(SystemTime::UNIX_EPOCH, async { remaining_time() }).await;
        assert_eq!(past, Some(Duration::ZERO));
        let mut context = lambda_runtime::Context::default();
        context.deadline = 4_102_444_800_000;
        let mut service = Invocations(tower::service_fn(|_: LambdaEvent<()>| async {
            Ok::<_, std::convert::Infallible>(remaining_time())
        }));
        let left = service
            .call(LambdaEvent::new((), context))
            .await
            .unwrap()
            .unwrap();
        assert!(left > Duration::from_secs(365 * 24 * 3600), "{left:?}");
    }

    #[tokio::test]
    async fn panics_become_their_message() {
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
        let caught = catch_panic(async { panic!("oops {}", 1) }).await;
        assert_eq!(caught, Err::<(), _>("oops 1".to_owned()));
    }
}
