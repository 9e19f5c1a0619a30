//! The Lambda side: a `tower::Service<LambdaEvent<HttpEvent>>` over an [`HttpService`] (and
//! over `LambdaRequest`, `lambda_http`'s events, for callers that hold one).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::IntoResponse;
use http::HeaderValue;
use lambda_http::request::LambdaRequest;
use lambda_runtime::LambdaEvent;
use tower::{Service, ServiceExt};

use super::HttpService;
use super::event::to_request;
use super::lattice::HttpEvent;
use super::reply::{EventResponse, to_event};

/// The app as a Lambda handler: event in, response event out, in the source's format.
///
/// Built by [`super::App::into_lambda_service`]; [`super::App::run`] runs it with
/// `lambda_runtime`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LambdaService {
    http: HttpService,
}

impl LambdaService {
    pub(crate) fn new(http: HttpService) -> Self {
        Self { http }
    }
}

impl Service<LambdaEvent<LambdaRequest>> for LambdaService {
    type Response = EventResponse;
    type Error = crate::Error;
    type Future = Pin<Box<dyn Future<Output = Result<EventResponse, crate::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), crate::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<LambdaRequest>) -> Self::Future {
        let LambdaEvent { payload, context } = event;
        self.call(LambdaEvent::new(HttpEvent::Lambda(payload), context))
    }
}

impl Service<LambdaEvent<HttpEvent>> for LambdaService {
    type Response = EventResponse;
    type Error = crate::Error;
    type Future = Pin<Box<dyn Future<Output = Result<EventResponse, crate::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), crate::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<HttpEvent>) -> Self::Future {
        let LambdaEvent { payload, context } = event;
        let (source, request) = to_request(payload);
        match request {
            Ok(mut request) => {
                if let Some(trace) = context
                    .xray_trace_id
                    .as_deref()
                    .and_then(|t| HeaderValue::from_str(t).ok())
                {
                    request.headers_mut().insert("x-amzn-trace-id", trace);
                }
                request.extensions_mut().insert(context);
                let http = self.http.clone();
                Box::pin(async move {
                    let Ok(response) = http.oneshot(request).await;
                    Ok(to_event(source, response).await)
                })
            }
            Err(rejection) => {
                tracing::warn!(
                    request_id = %context.request_id,
                    source = source.as_str(),
                    status = rejection.status().as_u16(),
                    reason = rejection.message(),
                    "rejected a malformed event"
                );
                Box::pin(async move { Ok(to_event(source, rejection.into_response()).await) })
            }
        }
    }
}
