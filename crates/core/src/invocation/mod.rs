//! The invocation being served: its request id, X-Ray trace header, deadline and cold-start
//! flag, current for the task that serves it and for nothing else.
//!
//! One process can serve several invocations at once (Lambda Managed Instances, with
//! `AWS_LAMBDA_MAX_CONCURRENCY`), so nothing here is read from the process environment: the
//! contexts make each invocation current from the runtime's invocation context, and
//! everything that passes the trace on (the AWS clients' [`TraceInterceptor`], the publishers,
//! the invoke and fargate crates) reads it from [`current_trace`].
//!
//! An invocation also carries typed slots for per-invocation state of other crates (the metrics
//! an invocation records, say), and runs the hooks registered with [`on_finish`] when it ends,
//! successfully or not.
//!
//! ```
//! use updraft_core::invocation::{self, Invocation, TraceHeader};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let trace = TraceHeader::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1").unwrap();
//! let seen = Invocation::new()
//!     .with_request_id("req-1")
//!     .with_trace(Some(trace.clone()))
//!     .scope(async { invocation::current_trace() })
//!     .await;
//! assert_eq!(seen, Some(trace));
//! assert_eq!(invocation::current_trace(), None);
//! # }
//! ```
//!
#![cfg_attr(
    feature = "aws",
    doc = "[`TraceInterceptor`]: crate::aws::TraceInterceptor"
)]
#![cfg_attr(
    not(feature = "aws"),
    doc = "[`TraceInterceptor`]: https://docs.rs/updraft-core/latest/updraft_core/aws/struct.TraceInterceptor.html"
)]

mod scope;
mod trace;

pub use scope::Scoped;
pub use trace::{InvalidTrace, MAX_LEN as MAX_TRACE_LEN, TraceHeader};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

/// The HTTP header that carries a trace: X-Ray reads it, API Gateway and the SDK's
/// recursion-detection interceptor write it.
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

/// The variable a Fargate task (or any process that is one unit of work) reads its trace
/// header from, as Lambda's runtime names it.
pub const TRACE_ENV_VAR: &str = "_X_AMZN_TRACE_ID";

tokio::task_local! {
    static CURRENT: Arc<Invocation>;
}

/// One invocation (or request, or task run): see the module docs.
#[derive(Default)]
pub struct Invocation {
    request_id: Option<Box<str>>,
    trace: Option<TraceHeader>,
    deadline: Option<SystemTime>,
    cold_start: bool,
    slots: Mutex<http::Extensions>,
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("request_id", &self.request_id)
            .field("trace", &self.trace)
            .field("deadline", &self.deadline)
            .field("cold_start", &self.cold_start)
            .finish_non_exhaustive()
    }
}

impl Invocation {
    /// An invocation with no id, trace or deadline, that is not a cold start.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The Lambda request id (or a local request's id).
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<Box<str>>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The trace header to pass on.
    #[must_use]
    pub fn with_trace(mut self, trace: Option<TraceHeader>) -> Self {
        self.trace = trace;
        self
    }

    /// The time by which the invocation must end.
    #[must_use]
    pub fn with_deadline(mut self, deadline: SystemTime) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Whether this is the first invocation of the process (see [`take_cold_start`]).
    #[must_use]
    pub fn with_cold_start(mut self, cold_start: bool) -> Self {
        self.cold_start = cold_start;
        self
    }

    /// The request id, when there is one.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The trace header, when there is one.
    #[must_use]
    pub fn trace(&self) -> Option<&TraceHeader> {
        self.trace.as_ref()
    }

    /// The time by which the invocation must end, when it has one.
    #[must_use]
    pub fn deadline(&self) -> Option<SystemTime> {
        self.deadline
    }

    /// The time left before the deadline (zero once it has passed), when there is one.
    #[must_use]
    pub fn remaining_time(&self) -> Option<Duration> {
        self.deadline.map(|deadline| {
            deadline
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// Whether this is the process's first invocation.
    #[must_use]
    pub fn is_cold_start(&self) -> bool {
        self.cold_start
    }

    /// Calls `f` with this invocation's slot of type `T`, made with `T::default()` on first use.
    /// For per-invocation state of other crates; a crate keeps its slot type private.
    pub fn slot<T, R>(&self, f: impl FnOnce(&mut T) -> R) -> R
    where
        T: Default + Clone + Send + Sync + 'static,
    {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get_mut::<T>() {
            return f(slot);
        }
        let mut slot = T::default();
        let result = f(&mut slot);
        slots.insert(slot);
        result
    }

    /// Takes this invocation's slot of type `T` out, leaving it empty.
    pub fn take_slot<T>(&self) -> Option<T>
    where
        T: Clone + Send + Sync + 'static,
    {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove::<T>()
    }

    /// Runs `future` with this invocation current; when it ends (or is dropped unfinished) the
    /// [`on_finish`] hooks run.
    pub fn scope<F: std::future::Future>(self, future: F) -> Scoped<F> {
        self.scope_with(|| future)
    }

    /// As [`Invocation::scope`], with the future made by `make` while the invocation is
    /// already current: for a service whose `call` reads it (to open a span, say) before its
    /// future first runs.
    pub fn scope_with<F: std::future::Future>(self, make: impl FnOnce() -> F) -> Scoped<F> {
        let invocation = Arc::new(self);
        let future = CURRENT.sync_scope(invocation.clone(), make);
        Scoped::new(invocation, future)
    }
}

/// Calls `f` with the current invocation, or `None` outside any [`Invocation::scope`].
pub fn with_current<R>(f: impl FnOnce(Option<&Invocation>) -> R) -> R {
    let mut f = Some(f);
    let inside = CURRENT.try_with(|invocation| f.take().map(|f| f(Some(invocation))));
    match (inside, f) {
        (Ok(Some(result)), _) => result,
        (_, Some(f)) => f(None),
        (_, None) => unreachable!("f runs exactly once"),
    }
}

/// The current invocation's trace header: what outgoing calls pass on. `None` outside any
/// invocation, or when it has none.
#[must_use]
pub fn current_trace() -> Option<TraceHeader> {
    with_current(|invocation| invocation.and_then(|i| i.trace.clone()))
}

/// A hook run as each invocation ends, with the invocation.
pub type FinishHook = fn(&Invocation);

/// The hooks, replaced as a whole when one is added, so that an invocation's end reads them
/// with one reference count and no allocation, and a hook may register another.
static HOOKS: RwLock<Option<Arc<[FinishHook]>>> = RwLock::new(None);

/// Registers `hook` to run as each invocation ends, successfully or not (the metrics crate
/// flushes an invocation's metrics this way). Registering the same function twice has no
/// effect.
pub fn on_finish(hook: FinishHook) {
    let mut hooks = HOOKS.write().unwrap_or_else(PoisonError::into_inner);
    let known = hooks.as_deref().unwrap_or_default();
    if !known.iter().any(|known| std::ptr::fn_addr_eq(*known, hook)) {
        let mut all = known.to_vec();
        all.push(hook);
        *hooks = Some(all.into());
    }
}

/// Runs every [`on_finish`] hook for `invocation`; a panicking hook does not stop the others.
fn finish(invocation: &Invocation) {
    let Some(hooks) = HOOKS.read().unwrap_or_else(PoisonError::into_inner).clone() else {
        return;
    };
    for &hook in hooks.iter() {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(invocation))).is_err() {
            tracing::error!("an invocation's finish hook panicked");
        }
    }
}

static COLD: AtomicBool = AtomicBool::new(true);

/// `true` the first time it is called in the process, `false` afterwards: the cold-start flag
/// of the first invocation (or request) served.
pub fn take_cold_start() -> bool {
    COLD.swap(false, Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
