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

mod credentials;
mod response;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::retry::RetryConfig;
use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use crate::Error;
use crate::aws::endpoints::{self, ENDPOINT_URL};
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

/// Settings for a [`SignedClient`] beyond those of the [`SdkConfig`].
#[derive(Debug)]
#[must_use]
pub struct SignedClientBuilder {
    config: SdkConfig,
    service: String,
    service_id: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    unsigned: bool,
}

impl SignedClientBuilder {
    /// Sends requests to `url` (which may carry a base path, such as an API stage).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The SDK service id used to find `AWS_ENDPOINT_URL_<SERVICE ID>`, when it differs from
    /// the signing name (for example `Secrets Manager` for `secretsmanager`).
    pub fn service_id(mut self, service_id: impl Into<String>) -> Self {
        self.service_id = Some(service_id.into());
        self
    }

    /// Sends requests without a signature, for endpoints that authenticate another way, such
    /// as the AWS Parameters and Secrets Lambda Extension on localhost (a token header). The
    /// timeouts, retries and error handling stay; no credentials are needed.
    pub fn unsigned(mut self) -> Self {
        self.unsigned = true;
        self
    }

    /// Signs for `region` instead of the configuration's region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// - [`Error::MissingRegion`] when neither the builder nor the configuration has a region;
    /// - [`Error::InvalidRequest`] when the endpoint is not an http(s) URL;
    /// - [`Error::Credentials`] when the configuration has no credentials provider.
    pub fn build(self) -> Result<SignedClient, Error> {
        let config = &self.config;
        let region = self
            .region
            .or_else(|| config.region().map(ToString::to_string))
            .ok_or(Error::MissingRegion { profile: None })?;
        let service_id = self
            .service_id
            .unwrap_or_else(|| self.service.to_uppercase().replace('-', "_"));
        let endpoint = self
            .endpoint
            .or_else(|| configured_endpoint(config, &service_id))
            .unwrap_or_else(|| default_endpoint(&self.service, &region));
        let endpoint = endpoints::check_url(&endpoint).map_err(|reason| Error::InvalidRequest {
            service: self.service.clone(),
            reason,
        })?;
        let credentials = if self.unsigned {
            None
        } else {
            let provider = config.credentials_provider().ok_or_else(|| {
                crate::aws::credentials_error(CredentialsError::not_loaded(
                    "the configuration has no credentials provider",
                ))
            })?;
            Some(CredentialsCache::new(provider))
        };
        let timeouts = config
            .timeout_config()
            .cloned()
            .unwrap_or_else(|| aws_smithy_types::timeout::TimeoutConfig::builder().build());
        let mut settings = HttpConnectorSettings::builder();
        settings
            .set_connect_timeout(timeouts.connect_timeout())
            .set_read_timeout(timeouts.read_timeout());
        let connector =
            aws_smithy_http_client::default_connector(&settings.build(), config.sleep_impl())
                .ok_or_else(|| Error::InvalidRequest {
                    service: self.service.clone(),
                    reason: "no HTTP connector is available".into(),
                })?;
        Ok(SignedClient {
            inner: Arc::new(Inner {
                retry: config
                    .retry_config()
                    .cloned()
                    .unwrap_or_else(RetryConfig::standard),
                attempt_timeout: timeouts.operation_attempt_timeout(),
                operation_timeout: timeouts.operation_timeout(),
                service: self.service,
                region,
                endpoint,
                credentials,
                connector,
            }),
        })
    }
}

fn configured_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env(ENDPOINT_URL)
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
}

fn default_endpoint(service: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{service}.{region}.{suffix}")
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
        SignedClientBuilder {
            config: config.clone(),
            service: service.into(),
            service_id: None,
            endpoint: None,
            region: None,
            unsigned: false,
        }
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

    async fn attempts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Response, Error> {
        let max = self.inner.retry.max_attempts().max(1);
        let mut attempt = 1;
        loop {
            let request = match &self.inner.credentials {
                Some(cache) => {
                    let credentials = cache.get().await?;
                    self.sign(method, uri, headers, body, &credentials, SystemTime::now())?
                }
                None => self.request(method, uri, headers, body)?,
            };
            let once = self.send_once(request);
            let result = match self.inner.attempt_timeout {
                Some(limit) => tokio::time::timeout(limit, once)
                    .await
                    .unwrap_or_else(|elapsed| Err(self.timeout(Box::new(elapsed)))),
                None => once.await,
            };
            let retry = match &result {
                Err(Error::Service { code, .. }) if is_expired(code.as_deref()) => {
                    if let Some(cache) = &self.inner.credentials {
                        cache.invalidate().await;
                    }
                    true
                }
                Err(
                    error @ (Error::Service { .. }
                    | Error::Unreachable { .. }
                    | Error::Timeout { .. }),
                ) => crate::Surface::kind(error).is_transient(),
                Ok(_) | Err(_) => false,
            };
            if !retry || attempt >= max {
                return result;
            }
            tracing::debug!(service = %self.inner.service, attempt, "retrying a signed request");
            tokio::time::sleep(self.backoff(attempt)).await;
            attempt += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        crate::aws::backoff::full_jitter(
            self.inner.retry.initial_backoff(),
            self.inner.retry.max_backoff(),
            attempt,
        )
    }

    fn resolve(&self, target: &str) -> Result<Uri, Error> {
        let target = target.trim();
        if target.contains("://") {
            return endpoints::check_url(target).map_err(|reason| self.invalid(&reason));
        }
        let base = &self.inner.endpoint;
        let base_path = base.path().trim_end_matches('/');
        let joined = if target.starts_with('/') || target.is_empty() {
            format!("{base_path}{target}")
        } else {
            format!("{base_path}/{target}")
        };
        let joined = if joined.is_empty() {
            "/".to_owned()
        } else {
            joined
        };
        let mut parts = base.clone().into_parts();
        parts.path_and_query = Some(
            joined
                .parse()
                .map_err(|e| self.invalid(&format!("`{target}` is not a valid path: {e}")))?,
        );
        Uri::from_parts(parts).map_err(|e| self.invalid(&e.to_string()))
    }

    /// Signs one attempt. The time is a parameter so the AWS test vectors can check it.
    fn sign(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut request = self.request(method, uri, headers, body)?;
        let signing_error = |source: aws_sigv4::http_request::SigningError| Error::Signing {
            service: self.inner.service.clone(),
            source: Box::new(source),
        };
        let identity: Identity = credentials.clone().into();
        let mut settings = SigningSettings::default();
        if self.inner.service == "s3" {
            settings.payload_checksum_kind =
                aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.inner.region)
            .name(&self.inner.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| self.invalid(&e.to_string()))?
            .into();
        let header_pairs: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .map(|(k, v)| v.to_str().map(|v| (k.as_str(), v)))
            .collect::<Result<_, _>>()
            .map_err(|_| self.invalid("a header value is not visible ASCII"))?;
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.uri().to_string(),
            header_pairs.into_iter(),
            SignableBody::Bytes(request.body()),
        )
        .map_err(signing_error)?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(signing_error)?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }

    /// The request of one attempt, before signing.
    fn request(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(uri.clone());
        if let Some(all) = request.headers_mut() {
            all.extend(headers.clone());
        }
        request
            .body(body.clone())
            .map_err(|e| self.invalid(&e.to_string()))
    }

    async fn send_once(&self, request: http::Request<Bytes>) -> Result<Response, Error> {
        let request = request.map(SdkBody::from);
        let request = HttpRequest::try_from(request).map_err(|e| self.invalid(&e.to_string()))?;
        let response = self
            .inner
            .connector
            .call(request)
            .await
            .map_err(|e| self.transport(e))?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut headers = HeaderMap::new();
        for (name, value) in response.headers() {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        let body = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| Error::Response {
                service: self.inner.service.clone(),
                reason: format!("the body was cut off: {e}"),
            })?
            .into_bytes();
        if status.is_success() {
            Ok(Response {
                service: self.inner.service.clone(),
                status,
                headers,
                body,
            })
        } else {
            Err(response::service_error(
                &self.inner.service,
                status,
                &headers,
                &body,
            ))
        }
    }

    fn transport(&self, error: ConnectorError) -> Error {
        if error.is_timeout() {
            self.timeout(Box::new(error))
        } else {
            Error::Unreachable {
                service: self.inner.service.clone(),
                endpoint: self.inner.endpoint.to_string(),
                source: Box::new(error),
            }
        }
    }

    fn timeout(&self, source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Timeout {
            service: self.inner.service.clone(),
            endpoint: self.inner.endpoint.to_string(),
            source,
        }
    }

    fn invalid(&self, reason: &str) -> Error {
        Error::InvalidRequest {
            service: self.inner.service.clone(),
            reason: reason.to_owned(),
        }
    }
}

fn is_expired(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")
    )
}

#[cfg(test)]
mod tests;
