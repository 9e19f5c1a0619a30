//! One request's attempts: each signed afresh, bounded by the attempt and operation timeouts,
//! retried by the one classifier and backoff; and how a transport failure becomes an [`Error`].

use std::time::{Duration, SystemTime};

use aws_smithy_runtime_api::client::http::HttpConnector as _;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use super::{Response, SignedClient, response};
use crate::Error;

impl SignedClient {
    pub(super) async fn attempts(
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

    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        crate::aws::backoff::full_jitter(
            self.inner.retry.initial_backoff(),
            self.inner.retry.max_backoff(),
            attempt,
        )
    }

    pub(super) async fn send_once(&self, request: http::Request<Bytes>) -> Result<Response, Error> {
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

    pub(super) fn transport(&self, error: ConnectorError) -> Error {
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

    pub(super) fn timeout(&self, source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Timeout {
            service: self.inner.service.clone(),
            endpoint: self.inner.endpoint.to_string(),
            source,
        }
    }
}

/// Whether an error code says the credentials expired (they are refreshed, and the attempt
/// retried).
pub(super) fn is_expired(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")
    )
}
