//! [`Provider`]: the one trait behind SSM, Secrets Manager, the Lambda extension and the cache,
//! so a service swaps one for another in one line.

use std::future::Future;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt};
use secrecy::SecretSlice;
use serde::de::DeserializeOwned;

use crate::{Error, Request, Secret};

/// How many single reads [`Provider::fetch_many`] runs at once when a provider has no batch
/// call.
pub const FETCH_CONCURRENCY: usize = 8;

/// How many batch calls (GetParameters, BatchGetSecretValue) run at once.
pub const BATCH_CONCURRENCY: usize = 4;

/// A source of secrets.
///
/// Implement [`Provider::fetch`] (and [`Provider::fetch_many`] when the service has a batch
/// call); the typed reads come with it.
pub trait Provider: Send + Sync {
    /// The provider's name in errors and logs: `ssm`, `secretsmanager`, `extension`.
    fn provider_name(&self) -> &'static str;

    /// Reads one secret.
    fn fetch(&self, request: &Request) -> impl Future<Output = Result<Secret, Error>> + Send;

    /// Reads several: one result per request, in order. By default, a few single reads at
    /// once; providers with a batch call use it.
    fn fetch_many(
        &self,
        requests: &[Request],
    ) -> impl Future<Output = Vec<Result<Secret, Error>>> + Send {
        // Boxed up front, so the future holds no closure over borrowed requests (which the
        // compiler cannot yet prove `Send` for all lifetimes).
        async move {
            let reads: Vec<BoxFuture<'_, Result<Secret, Error>>> = requests
                .iter()
                .map(|request| Box::pin(self.fetch(request)) as BoxFuture<'_, _>)
                .collect();
            stream::iter(reads)
                .buffered(FETCH_CONCURRENCY)
                .collect()
                .await
        }
    }

    /// Reads `request` (a name, or a [`Request`] with a version).
    fn get(
        &self,
        request: impl Into<Request> + Send,
    ) -> impl Future<Output = Result<Secret, Error>> + Send {
        let request = request.into();
        async move { self.fetch(&request).await }
    }

    /// Reads `request` and decodes its JSON into `T`.
    fn get_json<T: DeserializeOwned>(
        &self,
        request: impl Into<Request> + Send,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        let request = request.into();
        async move { self.fetch(&request).await?.json() }
    }

    /// Reads `request` as bytes (a binary secret, or base64 text).
    fn get_binary(
        &self,
        request: impl Into<Request> + Send,
    ) -> impl Future<Output = Result<SecretSlice<u8>, Error>> + Send {
        let request = request.into();
        async move { self.fetch(&request).await?.binary() }
    }

    /// Reads every name, batched where the service allows: one result per name, in order, so
    /// a missing name is an [`Error::NotFound`] in its place.
    fn get_many<I, R>(&self, requests: I) -> impl Future<Output = Vec<Result<Secret, Error>>> + Send
    where
        I: IntoIterator<Item = R>,
        R: Into<Request>,
    {
        let requests: Vec<Request> = requests.into_iter().map(Into::into).collect();
        async move { self.fetch_many(&requests).await }
    }
}

/// Requests split into those for the batch call and those read alone, each with its index.
type Split<'a> = (Vec<(usize, &'a Request)>, Vec<(usize, &'a Request)>);

/// A provider whose service reads many secrets in one call.
pub(crate) trait Batched: Provider {
    /// The most requests one batch call takes.
    const MAX: usize;

    /// Whether the batch call can read `request` (else it is read alone).
    fn batchable(request: &Request) -> bool;

    /// One batch call: one result per request, in order.
    fn batch<'a>(&'a self, requests: Vec<&'a Request>)
    -> BoxFuture<'a, Vec<Result<Secret, Error>>>;
}

/// Reads `requests` through `provider`'s batch call, [`Batched::MAX`] at a time, and those it
/// cannot batch one by one, a few calls at once. One result per request, in order.
pub(crate) async fn split_batches<B: Batched>(
    provider: &B,
    requests: &[Request],
) -> Vec<Result<Secret, Error>> {
    type Part<'a> = BoxFuture<'a, Vec<(usize, Result<Secret, Error>)>>;
    let (grouped, alone): Split<'_> = requests
        .iter()
        .enumerate()
        .partition(|(_, r)| B::batchable(r));
    let batches: Vec<Part<'_>> = grouped
        .chunks(B::MAX)
        .map(|chunk| {
            let (indices, only): (Vec<usize>, Vec<&Request>) = chunk.iter().copied().unzip();
            Box::pin(async move {
                indices
                    .into_iter()
                    .zip(provider.batch(only).await)
                    .collect()
            }) as Part<'_>
        })
        .collect();
    let singles: Vec<Part<'_>> = alone
        .into_iter()
        .map(|(i, request)| {
            Box::pin(async move { vec![(i, provider.fetch(request).await)] }) as Part<'_>
        })
        .collect();
    let done: Vec<Vec<(usize, Result<Secret, Error>)>> = stream::select(
        stream::iter(batches).buffer_unordered(BATCH_CONCURRENCY),
        stream::iter(singles).buffer_unordered(FETCH_CONCURRENCY),
    )
    .collect()
    .await;
    let mut results: Vec<Option<Result<Secret, Error>>> = requests.iter().map(|_| None).collect();
    for (i, result) in done.into_iter().flatten() {
        results[i] = Some(result);
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Error::Invalid(
                    "the batch call left a read unanswered".into(),
                ))
            })
        })
        .collect()
}
