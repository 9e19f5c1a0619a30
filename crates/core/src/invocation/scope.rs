//! [`Scoped`]: a future run with an invocation current, which finishes the invocation when it
//! ends or is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::task::futures::TaskLocalFuture;

use super::{CURRENT, Invocation, finish};

pin_project_lite::pin_project! {
    /// The future [`Invocation::scope`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        #[pin]
        inner: TaskLocalFuture<Arc<Invocation>, F>,
        finished: Finished,
    }
}

impl<F> std::fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped")
            .field("invocation", &self.finished.0)
            .finish_non_exhaustive()
    }
}

/// Finishes its invocation once: when the future is ready, or when it is dropped before.
struct Finished(Option<Arc<Invocation>>);

impl Finished {
    fn run(&mut self) {
        if let Some(invocation) = self.0.take() {
            finish(&invocation);
        }
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        self.run();
    }
}

impl<F: Future> Scoped<F> {
    pub(super) fn new(invocation: Arc<Invocation>, future: F) -> Self {
        Self {
            inner: CURRENT.scope(invocation.clone(), future),
            finished: Finished(Some(invocation)),
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        this.finished.run();
        Poll::Ready(output)
    }
}
