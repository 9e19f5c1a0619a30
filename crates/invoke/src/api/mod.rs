//! [`ApiClient`]: typed JSON calls to other services over HTTP, with the bearer token, the
//! current session's state, timeouts and retries that a service-to-service call needs.

mod builder;
mod call;
mod retry;
mod settings;
mod token;
mod transport;
mod url;

use std::sync::Arc;

use http::{HeaderMap, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;
use updraft_core::SessionHeader;

pub use builder::ApiClientBuilder;
pub use call::Call;
pub use retry::{MAX_RETRY_AFTER, RetryBudget};
pub use settings::{
    CONNECT_TIMEOUT_VAR, DEFAULT_BACKOFF, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    MAX_ATTEMPTS_VAR, SERVICES_VAR, TIMEOUT_VAR,
};
pub use token::{FALLBACK_TOKEN_VAR, TOKEN_VAR};
pub use url::encode_segment;

use crate::Error;

/// How much of an error answer's body [`Error::Response`] keeps: 4 KiB.
pub const ERROR_BODY_LIMIT: usize = 4096;
/// The largest successful answer a client reads by default: 10 MiB.
pub const DEFAULT_MAX_RESPONSE: usize = 10 * 1024 * 1024;

/// A client for one service: its base URL, token and limits, and a pool of connections.
///
/// Cheap to clone; build it once per process (per service) and share it.
///
/// Every call
/// - joins its path to the base URL, refusing `..` segments and fragments, so a path built
///   from outside data cannot reach another route (encode such parts with
///   [`encode_segment`]);
/// - sends `Authorization: Bearer <token>` (unless the client signs with SigV4) and the
///   current session's state in the state header (`constitution-state`);
/// - sends and expects JSON;
/// - times out after the connect timeout (3 s) and the total timeout (30 s, retries
///   included);
/// - is retried, with core's jittered backoff and within the client's [`RetryBudget`], when
///   the connection could not be made (any method), and for idempotent methods when it
///   dropped or the service answered 429 or 503 (waiting what `Retry-After` asks, up to
///   [`MAX_RETRY_AFTER`]).
#[derive(Debug, Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: String,
    base: url::Base,
    headers: HeaderMap,
    token: token::TokenSource,
    session_header: SessionHeader,
    limits: settings::Limits,
    any_method: bool,
    max_response: usize,
    budget: RetryBudget,
    http: transport::HttpClient,
    #[cfg(feature = "sigv4")]
    signer: Option<updraft_core::SignedClient>,
}

impl ApiClient {
    /// The client of `service`, whose base URL is in `MICROSERVICE_URLS` (read once per
    /// process), with the token and limits of the environment and `.env`.
    ///
    /// # Errors
    ///
    /// [`Error::ServiceNotConfigured`] listing the known names, and [`Error::Config`] for a
    /// malformed variable.
    pub fn new(service: impl Into<String>) -> Result<Self, Error> {
        Self::builder(service).build()
    }

    /// A builder, for a base URL, token, headers or limits set in code.
    pub fn builder(service: impl Into<String>) -> ApiClientBuilder {
        ApiClientBuilder::new(service.into())
    }

    /// The service's name.
    #[must_use]
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The base URL calls are joined to.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.inner.base.to_string()
    }

    /// The client's retry budget, shared by its clones.
    #[must_use]
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// A call with per-call headers, query parameters, body or timeout.
    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call::new(self, method, path)
    }

    /// `GET path`, the answer decoded into a `T`.
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.request(Method::GET, path).send().await
    }

    /// `GET path?params`, the query written from `params` (a struct or a list of pairs).
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn list<T, Q>(&self, path: &str, params: &Q) -> Result<T, Error>
    where
        T: DeserializeOwned,
        Q: Serialize + ?Sized,
    {
        self.request(Method::GET, path).query(params).send().await
    }

    /// `POST path` with `body` as JSON. Not retried once sent: see [`Call::idempotent`].
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn post<B, T>(&self, path: &str, body: &B) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.request(Method::POST, path).json(body).send().await
    }

    /// `PUT path` with `body` as JSON.
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn put<B, T>(&self, path: &str, body: &B) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.request(Method::PUT, path).json(body).send().await
    }

    /// `PATCH path` with `body` as JSON. Not retried once sent: see [`Call::idempotent`].
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn patch<B, T>(&self, path: &str, body: &B) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.request(Method::PATCH, path).json(body).send().await
    }

    /// `DELETE path`; decode into `()` (or `Option<T>`) when the service answers 204.
    ///
    /// # Errors
    ///
    /// See [`Call::send`].
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.request(Method::DELETE, path).send().await
    }
}
