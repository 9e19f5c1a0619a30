//! What every Lambda context shares: running a handler under `lambda_runtime`, after checking
//! the runtime's own variables; the invocation's deadline; catching panics; and telling
//! whether this process is in Lambda.

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

tokio::task_local! {
    static DEADLINE: SystemTime;
}

/// The time the current invocation has left before Lambda stops it: inside a handler served
/// by a context (also under several concurrent invocations, each its own), or inside
/// [`with_deadline`]. `None` outside any invocation, such as in a local server or a test.
#[must_use]
pub fn remaining_time() -> Option<Duration> {
    DEADLINE
        .try_with(|deadline| {
            deadline
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
        .ok()
}

/// Runs `future` as if it were an invocation that must end by `deadline`, so that
/// [`remaining_time`] answers inside it; for runners of your own and for tests.
pub async fn with_deadline<F: Future>(deadline: SystemTime, future: F) -> F::Output {
    DEADLINE.scope(deadline, future).await
}

/// A service that makes each invocation's deadline current for its handler.
#[derive(Clone)]
struct WithDeadline<F>(F);

impl<F, A> Service<LambdaEvent<A>> for WithDeadline<F>
where
    F: Service<LambdaEvent<A>>,
{
    type Response = F::Response;
    type Error = F::Error;
    type Future = tokio::task::futures::TaskLocalFuture<SystemTime, F::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, event: LambdaEvent<A>) -> Self::Future {
        let deadline = event.context.deadline();
        DEADLINE.scope(deadline, self.0.call(event))
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
    lambda_runtime::run_concurrent(WithDeadline(service))
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
        let mut service = WithDeadline(tower::service_fn(|_: LambdaEvent<()>| async {
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
