//! [`Call`]: one request with its own headers, query, body and timeout, and the attempts that
//! send it.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::Full;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use updraft_core::Session;
use updraft_core::invocation::TRACE_HEADER;

use super::retry::{self, Outcome};
use super::transport::{self, Failed};
use super::{ApiClient, ERROR_BODY_LIMIT, MAX_RETRY_AFTER, builder, token};
use crate::Error;

/// One call of an [`ApiClient`], from [`ApiClient::request`]: add headers, a query, a JSON
/// body, then [`send`](Call::send) it.
#[derive(Debug)]
#[must_use]
pub struct Call<'a> {
    client: &'a ApiClient,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Option<Bytes>,
    timeout: Option<Duration>,
    any_method: bool,
    /// The first mistake made while building, reported by `send`.
    invalid: Option<String>,
}

impl<'a> Call<'a> {
    pub(super) fn new(client: &'a ApiClient, method: Method, path: &str) -> Self {
        Self {
            client,
            any_method: client.inner.any_method,
            method,
            path: path.to_owned(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            invalid: None,
        }
    }

    /// Adds query parameters from `params`: a struct, a map or a list of pairs.
    pub fn query<Q: Serialize + ?Sized>(mut self, params: &Q) -> Self {
        match serde_urlencoded::to_string(params) {
            Ok(query) if !query.is_empty() => {
                if !self.query.is_empty() {
                    self.query.push('&');
                }
                self.query.push_str(&query);
            }
            Ok(_) => {}
            Err(e) => self.fail(format!("the query parameters do not encode: {e}")),
        }
        self
    }

    /// Adds a header to this call; it replaces a header of the same name set on the client.
    /// The client's own headers (`Authorization`, the session header, …) are refused.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match builder::header(name, value, &self.client.inner.session_header) {
            Ok((name, value)) => {
                self.headers.append(name, value);
            }
            Err(reason) => self.fail(reason),
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(Bytes::from(bytes)),
            Err(e) => self.fail(format!("the body does not serialize to JSON: {e}")),
        }
        self
    }

    /// This call's total timeout, retries included, instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries this call like an idempotent one (for a POST with an idempotency key).
    pub fn idempotent(mut self) -> Self {
        self.any_method = true;
        self
    }

    fn fail(&mut self, reason: String) {
        self.invalid.get_or_insert(reason);
    }

    /// Sends the call and decodes a 2xx answer into a `T` (an empty body is JSON `null`, so
    /// `()` and `Option<T>` fit a 204).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidRequest`] for a path with `..` or a fragment, a bad header or a
    ///   body or query that does not serialize;
    /// - [`Error::Client`] when the service cannot be reached or does not answer in time,
    ///   after the retries;
    /// - [`Error::Response`] for a status of 400 or more (after the retries for 429 and 503),
    ///   with the first 4 KiB of the body;
    /// - [`Error::ResponseDecode`] when the answer is not a `T` or is over the size limit;
    /// - [`Error::Config`] when a secret-reference token does not resolve.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (method, path) = (self.method.clone(), self.path_only().to_owned());
        let client = self.client;
        let span = tracing::info_span!(
            "api",
            service = %client.inner.service,
            method = %method,
            path = %path,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let body = self.execute().instrument(span.clone()).await;
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
        let body = body?;
        let bytes: &[u8] = if body.is_empty() { b"null" } else { &body };
        serde_json::from_slice(bytes).map_err(|e| Error::ResponseDecode {
            service: client.inner.service.clone(),
            method,
            path,
            reason: e.to_string(),
        })
    }

    fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidRequest {
            service: self.client.inner.service.clone(),
            reason,
        }
    }

    /// The attempts; the body of the 2xx answer.
    async fn execute(self) -> Result<Bytes, Error> {
        if let Some(reason) = &self.invalid {
            return Err(self.invalid(reason.clone()));
        }
        let inner = &self.client.inner;
        let uri = inner
            .base
            .join(&self.path, &self.query)
            .map_err(|reason| self.invalid(reason))?;
        let total = self.timeout.unwrap_or(inner.limits.total);
        let deadline = Instant::now() + total;
        let backoff = inner.limits.backoff;
        let mut attempt = 1;
        loop {
            let request = Box::pin(self.request(&uri)).await?;
            // Boxed: signing and the connection make a future of many kilobytes.
            let answer = tokio::time::timeout_at(deadline, Box::pin(self.attempt(request))).await;
            let (outcome, error) = match answer {
                Err(_elapsed) => {
                    return Err(self.client_error(
                        true,
                        format!("no answer within {total:?}"),
                        None,
                    ));
                }
                Ok(Ok(body)) => {
                    inner.budget.deposit();
                    return Ok(body);
                }
                Ok(Err(Attempt::Failed(failed))) => {
                    let error = self.client_error(
                        failed.timed_out,
                        match failed.outcome {
                            Outcome::ConnectFailed => "the connection could not be made",
                            _ => "the connection dropped",
                        }
                        .to_owned(),
                        Some(failed.source),
                    );
                    (failed.outcome, (error, None))
                }
                Ok(Err(Attempt::Answered {
                    status,
                    retry_after,
                    error,
                })) => (Outcome::Answered(status), (error, retry_after)),
            };
            let (error, retry_after) = error;
            if attempt >= backoff.attempts()
                || !retry::retryable(outcome, &self.method, self.any_method)
            {
                return Err(error);
            }
            let wait = retry_after.unwrap_or_else(|| backoff.delay(attempt));
            if wait > MAX_RETRY_AFTER
                || Instant::now() + wait >= deadline
                || !inner.budget.withdraw()
            {
                return Err(error);
            }
            tracing::debug!(service = %inner.service, method = %self.method, path = self.path_only(), attempt, ?wait, "retrying a service call");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The request of one attempt: headers, token, session, body, and the signature.
    async fn request(&self, uri: &http::Uri) -> Result<http::Request<Full<Bytes>>, Error> {
        let inner = &self.client.inner;
        let mut headers = inner.headers.clone();
        headers.extend(self.headers.clone());
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        if self.body.is_some() {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Some(session) = Session::current() {
            inner.session_header.encode(&session, &mut headers)?;
        }
        if let Some(trace) = updraft_core::invocation::current_trace() {
            // A checked trace header is visible ASCII, always a valid header value.
            if let Ok(value) = HeaderValue::from_str(trace.as_str()) {
                headers.insert(TRACE_HEADER, value);
            }
        }
        if let Some(token) = inner.token.get().await? {
            headers.insert(http::header::AUTHORIZATION, token::header(token)?);
        }
        let mut request = http::Request::builder()
            .method(self.method.clone())
            .uri(uri.clone())
            .body(self.body.clone().unwrap_or_default())
            .map_err(|e| self.invalid(e.to_string()))?;
        *request.headers_mut() = headers;
        #[cfg(feature = "sigv4")]
        if let Some(signer) = &inner.signer {
            request = signer.sign_request(request).await?;
        }
        Ok(request.map(Full::new))
    }

    /// One attempt: the 2xx body, or why not.
    async fn attempt(&self, request: http::Request<Full<Bytes>>) -> Result<Bytes, Attempt> {
        let inner = &self.client.inner;
        let response = transport::send(&inner.http, request)
            .await
            .map_err(Attempt::Failed)?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        let retry_after = retry::retry_after(response.headers());
        let limit = if status.is_success() {
            inner.max_response
        } else {
            ERROR_BODY_LIMIT
        };
        let read = transport::read(response.into_body(), limit)
            .await
            .map_err(|e| {
                Attempt::Failed(Failed {
                    outcome: Outcome::Dropped,
                    timed_out: false,
                    source: Box::new(e),
                })
            })?;
        tracing::debug!(service = %inner.service, method = %self.method, path = self.path_only(), status = status.as_u16(), "service answered");
        if status.is_success() {
            if read.truncated {
                return Err(Attempt::Answered {
                    status,
                    retry_after: None,
                    error: Error::ResponseDecode {
                        service: inner.service.clone(),
                        method: self.method.clone(),
                        path: self.path_only().to_owned(),
                        reason: format!("the answer is over {} bytes", inner.max_response),
                    },
                });
            }
            return Ok(read.bytes);
        }
        Err(Attempt::Answered {
            status,
            retry_after,
            error: Error::Response {
                service: inner.service.clone(),
                method: self.method.clone(),
                path: self.path_only().to_owned(),
                status: status.as_u16(),
                body: String::from_utf8_lossy(&read.bytes).into_owned(),
            },
        })
    }

    fn client_error(
        &self,
        timed_out: bool,
        reason: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Client {
            service: self.client.inner.service.clone(),
            timed_out,
            reason,
            source,
        }
    }
}

/// Why an attempt did not end the call with a body.
enum Attempt {
    Failed(Failed),
    Answered {
        status: StatusCode,
        retry_after: Option<Duration>,
        error: Error,
    },
}
