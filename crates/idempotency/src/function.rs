//! [`Idempotent`]: any `async fn(I) -> Result<O, E>` made idempotent, for direct calls, the
//! invoke context and SQS record handlers alike.

use std::fmt::{self, Display};
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Idempotency, Key};

/// The future of [`Idempotent::handler`]'s function.
pub type HandlerFuture<O, E> = std::pin::Pin<Box<dyn Future<Output = Result<O, Error<E>>> + Send>>;

/// Which errors release the claim, over the handler's error type erased.
type Retryable = Arc<dyn Fn(&dyn std::any::Any) -> bool + Send + Sync>;

/// A handler that runs at most once per key; from [`Idempotency::wrap`].
pub struct Idempotent<F, I> {
    idempotency: Idempotency,
    name: Arc<str>,
    key: Key<I>,
    handler: Arc<F>,
    retryable: Option<Retryable>,
}

impl<F, I> Clone for Idempotent<F, I> {
    fn clone(&self) -> Self {
        Self {
            idempotency: self.idempotency.clone(),
            name: self.name.clone(),
            key: self.key.clone(),
            handler: self.handler.clone(),
            retryable: self.retryable.clone(),
        }
    }
}

impl<F, I> fmt::Debug for Idempotent<F, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotent")
            .field("name", &self.name)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<F, I> Idempotent<F, I> {
    pub(crate) fn new(idempotency: Idempotency, name: &str, key: Key<I>, handler: F) -> Self {
        Self {
            idempotency,
            name: name.into(),
            key,
            handler: Arc::new(handler),
            retryable: None,
        }
    }

    /// Which handler errors release the claim so that the next attempt runs again (all, by
    /// default). The others are stored: repeats get [`Error::StoredFailure`] without running
    /// the handler, as a declined payment should not be tried again.
    #[must_use]
    pub fn retry_when<E: 'static>(
        mut self,
        retryable: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.retryable = Some(Arc::new(move |error: &dyn std::any::Any| {
            error.downcast_ref::<E>().is_none_or(&retryable)
        }));
        self
    }

    /// This wrapper as a plain `async fn(I) -> Result<O, Error<E>>`, for the handlers of the
    /// contexts: `updraft_contexts::invoke::handler(wrapped.handler())`. In the invoke
    /// context, an error (the `success: false` reply) releases the claim unless
    /// [`retry_when`](Self::retry_when) says otherwise.
    pub fn handler<O, E, Fut>(self) -> impl Fn(I) -> HandlerFuture<O, E> + Send + Sync + 'static
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
        I: Serialize + Send + 'static,
        O: Serialize + DeserializeOwned + Send + 'static,
        E: Display + Send + 'static,
    {
        let wrapped = Arc::new(self);
        move |input| {
            let wrapped = wrapped.clone();
            Box::pin(async move { wrapped.call(input).await })
        }
    }

    /// Runs the handler on `input` unless a call with the same key ran or runs.
    ///
    /// # Errors
    ///
    /// [`Error::Handler`] with the handler's error; [`Error::InProgress`],
    /// [`Error::PayloadMismatch`], [`Error::StoredFailure`], [`Error::NoKey`],
    /// [`Error::ResponseTooLarge`], [`Error::Codec`] and [`Error::Store`] as they say.
    pub async fn call<O, E, Fut>(&self, input: I) -> Result<O, Error<E>>
    where
        F: Fn(I) -> Fut + Send + Sync,
        Fut: Future<Output = Result<O, E>>,
        I: Serialize,
        O: Serialize + DeserializeOwned,
        E: Display + 'static,
    {
        let retryable = |error: &E| {
            self.retryable
                .as_ref()
                .is_none_or(|retryable| retryable(error as &dyn std::any::Any))
        };
        self.idempotency
            .execute(
                &self.name,
                &self.key,
                input,
                |input| (self.handler)(input),
                &retryable,
            )
            .await
    }
}
