//! [`IdempotencyLayer`]: a tower layer for the HTTP context's router. A request with an
//! `Idempotency-Key` header (IETF draft `idempotency-key-header`) runs once; a repeat gets the
//! stored status, headers and body, with `Idempotent-Replayed: true`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tower::{Layer, Service, ServiceExt as _};
use updraft_contexts::http::ApiError;
use updraft_core::error::Surface;

use crate::key::{sha256, sha256_bytes};
use crate::{Error, Idempotency, Key};

/// The request header that carries the key.
pub const KEY_HEADER: &str = "idempotency-key";
/// The response header set on a replay.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The longest key accepted.
pub const KEY_LIMIT: usize = 255;
/// The largest request or response body the layer buffers: Lambda's 6 MB payload.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

/// Response headers that describe one transfer, not the response: never stored.
const TRANSIENT: [&str; 5] = [
    "connection",
    "content-length",
    "date",
    "transfer-encoding",
    "x-request-id",
];

/// The layer; from [`Idempotency::http_layer`].
#[derive(Debug, Clone)]
pub struct IdempotencyLayer {
    idempotency: Idempotency,
    name: Arc<str>,
    require_key: bool,
    body_key: Option<Key<()>>,
}

impl Idempotency {
    /// A layer that makes the routes it wraps idempotent by `Idempotency-Key`; `handler_name`
    /// names them in record keys. `GET`, `HEAD` and `OPTIONS` pass through, and so do requests
    /// without the header (unless [`IdempotencyLayer::require_key`]).
    #[must_use]
    pub fn http_layer(&self, handler_name: &str) -> IdempotencyLayer {
        IdempotencyLayer {
            idempotency: self.clone(),
            name: handler_name.into(),
            require_key: false,
            body_key: None,
        }
    }
}

impl IdempotencyLayer {
    /// Refuses unsafe requests without a key with 400.
    #[must_use]
    pub fn require_key(mut self) -> Self {
        self.require_key = true;
        self
    }

    /// Takes the key from these fields of a JSON body (dotted paths or JSON pointers) when a
    /// request has no `Idempotency-Key` header.
    #[must_use]
    pub fn key_from_body<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.body_key = Some(Key::fields(fields));
        self
    }
}

impl<S> Layer<S> for IdempotencyLayer {
    type Service = IdempotencyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        IdempotencyService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`IdempotencyLayer`].
#[derive(Debug, Clone)]
pub struct IdempotencyService<S> {
    inner: S,
    layer: IdempotencyLayer,
}

impl<S> Service<Request<Body>> for IdempotencyService<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let layer = self.layer.clone();
        Box::pin(async move { Ok(layer.handle(inner, request).await) })
    }
}

/// A response as the record keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, base64.
    body: String,
}

/// A 5xx from the handler: answered as it is, and the claim released.
#[derive(Debug)]
struct ServerError(Response<Body>);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the handler answered {}", self.0.status())
    }
}

impl IdempotencyLayer {
    async fn handle<S>(&self, inner: S, request: Request<Body>) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Send,
        S::Future: Send,
    {
        if matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        ) {
            return inner.oneshot(request).await.unwrap_or_else(|e| match e {});
        }
        let header = match key_of(&request) {
            Ok(header) => header,
            Err(reason) => return ApiError::bad_request(reason).into_response(),
        };
        if header.is_none() && self.body_key.is_none() && !self.require_key {
            return inner.oneshot(request).await.unwrap_or_else(|e| match e {});
        }
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            )
            .into_response();
        };
        let from_body = || {
            let key = self.body_key.as_ref()?;
            let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            key.material(&(), &json)
        };
        let Some(key) = header.or_else(from_body) else {
            if self.require_key {
                return ApiError::bad_request("this request needs an Idempotency-Key")
                    .into_response();
            }
            let request = Request::from_parts(parts, Body::from(bytes));
            return inner.oneshot(request).await.unwrap_or_else(|e| match e {});
        };
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let payload_hash = sha256(&format!(
            "{} {target}\n{}",
            parts.method,
            sha256_bytes(&bytes)
        ));
        let request = Request::from_parts(parts, Body::from(bytes));
        let ran = AtomicBool::new(false);
        let outcome = self
            .idempotency
            .once(
                &self.name,
                &key,
                payload_hash,
                || async {
                    ran.store(true, Ordering::SeqCst);
                    let response = inner.oneshot(request).await.unwrap_or_else(|e| match e {});
                    if response.status().is_server_error() {
                        return Err(ServerError(response));
                    }
                    store(response).await.map_err(ServerError)
                },
                &|_| true,
            )
            .await;
        match outcome {
            Ok(stored) => replay(stored, !ran.load(Ordering::SeqCst)),
            Err(Error::Handler(ServerError(response))) => response,
            Err(Error::InProgress { retry_after }) => ApiError::conflict(
                "a request with this Idempotency-Key is in progress; retry later",
            )
            .with_header(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs().max(1)),
            )
            .into_response(),
            Err(Error::PayloadMismatch) => {
                ApiError::unprocessable("this Idempotency-Key was used with a different request")
                    .into_response()
            }
            Err(other) => {
                tracing::error!(error = %updraft_core::error::Report(&other), "idempotency failed");
                let status = StatusCode::from_u16(other.kind().http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                ApiError::new(status, other.kind().public_message()).into_response()
            }
        }
    }
}

impl Surface for ServerError {
    fn kind(&self) -> updraft_core::Kind {
        updraft_core::Kind::Internal
    }

    fn error_type(&self) -> &'static str {
        "updraft.idempotency.ServerError"
    }
}

impl std::error::Error for ServerError {}

/// The key of `request`: one `Idempotency-Key` of 1 to 255 visible characters, quotes (the
/// draft's structured-field string) removed.
fn key_of(request: &Request<Body>) -> Result<Option<String>, &'static str> {
    let mut values = request.headers().get_all(KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("send one Idempotency-Key header");
    }
    let text = value
        .to_str()
        .map_err(|_| "the Idempotency-Key is not visible ASCII")?
        .trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty() || text.len() > KEY_LIMIT || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    Ok(Some(text.to_owned()))
}

/// The response as a record keeps it; a body over the limit is answered as a 500.
async fn store(response: Response<Body>) -> Result<Stored, Response<Body>> {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the response body is too large",
        )
        .into_response());
    };
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !TRANSIENT.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    Ok(Stored {
        status: parts.status.as_u16(),
        headers,
        body: STANDARD.encode(&bytes),
    })
}

/// The stored response, marked as a replay when it is one.
fn replay(stored: Stored, replayed: bool) -> Response<Body> {
    let body = STANDARD.decode(stored.body.as_bytes()).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    response
}
