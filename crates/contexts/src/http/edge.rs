//! The outermost service of every app, in Lambda and locally alike. Per request it:
//!
//! - strips the configured path prefixes;
//! - makes the request the current invocation when the Lambda runtime loop has not (the local
//!   server), with its `x-request-id` and `x-amzn-trace-id`;
//! - opens the `request` span with the request ids and `cold_start`;
//! - turns a panic anywhere below into a 500 JSON answer (the panic itself is logged by the
//!   panic hook) and keeps serving;
//! - gives error answers without a JSON body (axum's 404 and 405, text rejections) a JSON
//!   body with a `message` (for a server error, the status's own words: the handler's text
//!   goes to the log) and the request id;
//! - logs one access line: method, route, status, latency.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::MatchedPath;
use axum::response::Response;
use http::{HeaderMap, Method, Request, StatusCode, Uri, header};
use http_body_util::BodyExt;
use lambda_http::request::RequestContext;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;
use updraft_core::invocation::{self, Invocation, TRACE_HEADER, TraceHeader};

use super::event::EventSource;
use super::problem::{json_response, with_request_id};
use crate::lambda::catch_panic;

/// Error bodies up to this size are rewritten as JSON; larger ones pass unchanged.
const MAX_REWRITTEN_BODY: usize = 64 * 1024;

/// The outermost service; see the module docs.
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
    prefixes: Arc<[String]>,
}

impl<S> Edge<S> {
    pub(crate) fn new(inner: S, prefixes: Arc<[String]>) -> Self {
        Self { inner, prefixes }
    }
}

impl<S> Service<Request<Body>> for Edge<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        if !self.prefixes.is_empty() {
            strip_prefix(&mut request, &self.prefixes);
        }
        let inner = self.inner.clone();
        // In Lambda the runtime loop made the invocation current; a request served by the
        // local server (or sent straight to the app) is an invocation of its own.
        let own =
            invocation::with_current(|current| current.is_none()).then(|| own_invocation(&request));
        let serve = move || {
            let span = request_span(&request);
            let request_id = request_id(&request);
            with_request_id(request_id, async move {
                let started = Instant::now();
                let method = request.method().clone();
                let path = request.uri().path().to_owned();
                let route = RouteSlot::default();
                request.extensions_mut().insert(route.clone());
                let response = match catch_panic(inner.oneshot(request)).await {
                    Ok(Ok(response)) => response,
                    Err(panic) => {
                        tracing::error!(panic = %panic, "the handler panicked; answering 500");
                        json_response(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal server error",
                            &[],
                            None,
                        )
                    }
                };
                let response = json_errors(response, &method, &path).await;
                tracing::info!(
                    target: "updraft::access",
                    method = %method,
                    route = route.get().unwrap_or("-"),
                    path = %path,
                    status = response.status().as_u16(),
                    latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "request"
                );
                Ok(response)
            })
            .instrument(span)
        };
        // The request's future is large: boxed first, so that the invocation's scope moves a
        // pointer rather than the future.
        match own {
            Some(invocation) => Box::pin(invocation.scope_with(|| Box::pin(serve()))),
            None => Box::pin(serve()),
        }
    }
}

/// The invocation of a request served outside the Lambda runtime loop: from its Lambda context
/// when it has one, else from its `x-request-id` and `x-amzn-trace-id` headers.
fn own_invocation(request: &Request<Body>) -> Invocation {
    if let Some(context) = request.extensions().get::<lambda_runtime::Context>() {
        return crate::lambda::invocation_of(context);
    }
    let headers = request.headers();
    let mut invocation = Invocation::new()
        .with_trace(header_str(headers, TRACE_HEADER).and_then(|v| TraceHeader::parse(v).ok()))
        .with_cold_start(invocation::take_cold_start());
    if let Some(id) = header_str(headers, "x-request-id") {
        invocation = invocation.with_request_id(id);
    }
    invocation
}

/// The id error bodies carry: the Lambda request id, or locally the `x-request-id` header.
fn request_id(request: &Request<Body>) -> Option<Arc<str>> {
    match request.extensions().get::<lambda_runtime::Context>() {
        Some(context) => Some(Arc::from(context.request_id.as_str())),
        None => header_str(request.headers(), "x-request-id").map(Arc::from),
    }
}

fn request_span(request: &Request<Body>) -> tracing::Span {
    let source = request
        .extensions()
        .get::<EventSource>()
        .copied()
        .unwrap_or(EventSource::Local);
    let apigw_request_id = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV1(context)) => context.request_id.as_deref(),
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.as_deref(),
        _ => None,
    };
    match request.extensions().get::<lambda_runtime::Context>() {
        Some(context) => crate::logging::request_span(
            source.as_str(),
            Some(&context.request_id),
            apigw_request_id,
            context.xray_trace_id.as_deref(),
        ),
        None => crate::logging::request_span(
            source.as_str(),
            header_str(request.headers(), "x-request-id"),
            apigw_request_id,
            header_str(request.headers(), TRACE_HEADER),
        ),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Removes the first of `prefixes` that starts the path on a segment boundary.
fn strip_prefix(request: &mut Request<Body>, prefixes: &[String]) {
    let path = request.uri().path();
    let Some(rest) = prefixes
        .iter()
        .find_map(|prefix| match path.strip_prefix(prefix.as_str()) {
            Some("") => Some("/"),
            Some(rest) if rest.starts_with('/') => Some(rest),
            _ => None,
        })
    else {
        return;
    };
    let rebuilt = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    if let Ok(uri) = rebuilt.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
}

/// Normalises a configured prefix: a leading `/`, no trailing `/`; empty ones are dropped.
pub(crate) fn normalize_prefix(prefix: &str) -> Option<String> {
    let trimmed = prefix.trim().trim_matches('/');
    (!trimmed.is_empty()).then(|| format!("/{trimmed}"))
}

/// Gives an error answer without a JSON body a JSON body with a `message`.
async fn json_errors(response: Response, method: &Method, path: &str) -> Response {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    match content_type.as_deref() {
        None => {}
        Some(ct) if ct.starts_with("text/plain") => {}
        Some(_) => return response,
    }
    let (parts, body) = response.into_parts();
    if http_body::Body::size_hint(&body)
        .upper()
        .is_none_or(|n| n > MAX_REWRITTEN_BODY as u64)
    {
        return Response::from_parts(parts, body);
    }
    let text = match body.collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes())
            .trim()
            .to_owned(),
        Err(_) => String::new(),
    };
    let message = if status.is_server_error() {
        // A handler's own text for a server error may hold what the caller must not see (an
        // AWS message, a resource name); it goes to the log, the caller gets the status.
        if !text.is_empty() {
            tracing::error!(status = status.as_u16(), body = %text, "a handler answered a server error");
        }
        default_message(status, method, path)
    } else if text.is_empty() {
        default_message(status, method, path)
    } else {
        text
    };
    let mut rewritten = json_response(status, &message, &[], None);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name.clone(), value.clone());
        }
    }
    rewritten
}

fn default_message(status: StatusCode, method: &Method, path: &str) -> String {
    match status {
        StatusCode::NOT_FOUND => format!("no route for {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        other => other
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    }
}

/// Where the router records the route template that matched, for the access line.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteSlot(Arc<OnceLock<String>>);

impl RouteSlot {
    fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// Applied to the router: copies axum's [`MatchedPath`] into the [`RouteSlot`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordRoute;

impl<S> Layer<S> for RecordRoute {
    type Service = RecordRouteService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordRouteService(inner)
    }
}

/// The service of [`RecordRoute`].
#[derive(Debug, Clone)]
pub(crate) struct RecordRouteService<S>(S);

impl<S, B> Service<Request<B>> for RecordRouteService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> S::Future {
        if let (Some(matched), Some(slot)) = (
            request.extensions().get::<MatchedPath>(),
            request.extensions().get::<RouteSlot>(),
        ) {
            let _ = slot.0.set(matched.as_str().to_owned());
        }
        self.0.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(path: &str, prefixes: &[&str]) -> String {
        let prefixes: Vec<String> = prefixes
            .iter()
            .filter_map(|p| normalize_prefix(p))
            .collect();
        let mut request = Request::builder().uri(path).body(Body::empty()).unwrap();
        strip_prefix(&mut request, &prefixes);
        request.uri().to_string()
    }

    #[test]
    fn prefixes_are_stripped_on_segment_boundaries() {
        assert_eq!(stripped("/api/hello?x=1", &["api"]), "/hello?x=1");
        assert_eq!(stripped("/api", &["/api/"]), "/");
        assert_eq!(stripped("/apis/hello", &["/api"]), "/apis/hello");
        assert_eq!(
            stripped("/v1/payments/x", &["/v1", "/v1/payments"]),
            "/payments/x"
        );
        assert_eq!(stripped("/hello", &[]), "/hello");
        assert_eq!(normalize_prefix(" / "), None);
    }

    #[test]
    fn default_messages_name_the_route() {
        assert_eq!(
            default_message(StatusCode::NOT_FOUND, &Method::GET, "/nope"),
            "no route for GET /nope"
        );
        assert_eq!(
            default_message(StatusCode::PAYLOAD_TOO_LARGE, &Method::POST, "/x"),
            "payload too large"
        );
    }
}
