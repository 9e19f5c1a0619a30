//! Signed raw requests to any AWS API, for services without an SDK crate and for API Gateway
//! endpoints protected by IAM (`execute-api`).
//!
//! A [`SignedClient`] is tornado-aws's `AWSClient` done the SDK way: it takes its credentials,
//! region, timeouts and retry settings from the same [`SdkConfig`] as the SDK clients, finds
//! its endpoint through `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` like they do, signs
//! every attempt with SigV4, and retries throttling, 5xx answers and dropped connections with
//! jittered exponential backoff. Credentials are cached and refreshed before they expire.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), updraft_core::Error> {
//! use updraft_core::signed::SignedClient;
//!
//! let config = updraft_core::aws::load().await?;
//! let sqs = SignedClient::new(&config, "sqs")?;
//! let queues = sqs
//!     .post("/", "application/x-www-form-urlencoded", "Action=ListQueues&Version=2012-11-05")
//!     .await?;
//! println!("{}", queues.text()?);
//!
//! let api = SignedClient::builder(&config, "execute-api")
//!     .endpoint("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
//!     .build()?;
//! let orders = api.get("/orders?status=open").await?.json::<serde_json::Value>()?;
//! # let _ = orders;
//! # Ok(()) }
//! ```

mod attempt;
mod builder;
mod credentials;
mod response;
mod sign;

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::SharedHttpConnector;
use aws_smithy_types::retry::RetryConfig;
use aws_types::SdkConfig;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};

use crate::Error;
pub use builder::SignedClientBuilder;
use credentials::CredentialsCache;
pub use response::Response;

/// A client that signs and sends raw HTTP requests to one AWS service.
///
/// Cheap to clone; build it once and share it.
#[derive(Debug, Clone)]
pub struct SignedClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: String,
    region: String,
    endpoint: Uri,
    /// `None` for a client built [`unsigned`](SignedClientBuilder::unsigned).
    credentials: Option<CredentialsCache>,
    connector: SharedHttpConnector,
    retry: RetryConfig,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
}

impl SignedClient {
    /// A client for the service with signing name `service` (`sqs`, `execute-api`, …).
    ///
    /// # Errors
    ///
    /// See [`SignedClientBuilder::build`].
    pub fn new(config: &SdkConfig, service: impl Into<String>) -> Result<Self, Error> {
        Self::builder(config, service).build()
    }

    /// A builder for a client with a custom endpoint, service id or region.
    pub fn builder(config: &SdkConfig, service: impl Into<String>) -> SignedClientBuilder {
        SignedClientBuilder::new(config, service.into())
    }

    /// The endpoint requests go to.
    #[must_use]
    pub fn endpoint(&self) -> &Uri {
        &self.inner.endpoint
    }

    /// The region requests are signed for.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// Sends a `GET` to `path_and_query`, relative to the endpoint.
    ///
    /// # Errors
    ///
    /// See [`SignedClient::send`].
    pub async fn get(&self, path_and_query: &str) -> Result<Response, Error> {
        self.send(Method::GET, path_and_query, HeaderMap::new(), Bytes::new())
            .await
    }

    /// Sends a `POST` of `body` with the given content type to `path`, relative to the endpoint.
    ///
    /// # Errors
    ///
    /// See [`SignedClient::send`].
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Result<Response, Error> {
        let mut headers = HeaderMap::new();
        let value =
            HeaderValue::from_str(content_type).map_err(|_| self.invalid("bad content type"))?;
        headers.insert(http::header::CONTENT_TYPE, value);
        self.send(Method::POST, path, headers, body.into()).await
    }

    /// Signs `request` for this client's service and region with its cached credentials, for
    /// callers that send requests through their own HTTP client (the inter-service client of
    /// `updraft-invoke` does). The request's URI must be absolute; its headers and body are
    /// signed as they are, so set them all first. A client built
    /// [`unsigned`](SignedClientBuilder::unsigned) returns the request unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::Credentials`] when no credentials can be loaded, and
    /// [`Error::InvalidRequest`] or [`Error::Signing`] for a request that cannot be signed
    /// (a relative URI, a header value that is not visible ASCII).
    pub async fn sign_request(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Request<Bytes>, Error> {
        let Some(cache) = &self.inner.credentials else {
            return Ok(request);
        };
        if request.uri().scheme().is_none() || request.uri().authority().is_none() {
            return Err(self.invalid("a request to sign needs an absolute URI"));
        }
        let credentials = cache.get().await?;
        let (parts, body) = request.into_parts();
        let mut signed = self.sign(
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
            &credentials,
            std::time::SystemTime::now(),
        )?;
        *signed.version_mut() = parts.version;
        Ok(signed)
    }

    /// Signs and sends a request; `target` is a path (joined to the endpoint) or a full URL.
    ///
    /// Every attempt is signed afresh. Throttling, 5xx answers, expired credentials and
    /// dropped connections are retried with jittered exponential backoff, up to the
    /// configuration's `max_attempts`.
    ///
    /// # Errors
    ///
    /// - [`Error::Service`] with the AWS error code and message for a non-2xx answer;
    /// - [`Error::Unreachable`] or [`Error::Timeout`] when the endpoint cannot be reached;
    /// - [`Error::Credentials`] when no credentials can be loaded;
    /// - [`Error::InvalidRequest`] or [`Error::Signing`] for a request that cannot be signed.
    pub async fn send(
        &self,
        method: Method,
        target: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Response, Error> {
        let uri = self.resolve(target)?;
        let attempts = self.attempts(&method, &uri, &headers, &body);
        match self.inner.operation_timeout {
            Some(limit) => tokio::time::timeout(limit, attempts)
                .await
                .unwrap_or_else(|elapsed| Err(self.timeout(Box::new(elapsed)))),
            None => attempts.await,
        }
    }
}

#[cfg(test)]
mod tests;
