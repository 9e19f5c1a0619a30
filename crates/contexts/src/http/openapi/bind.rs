//! Binding handlers to a spec's operations: the router built from the spec's paths, each
//! route behind its operation's checks, and every mismatch found before serving.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use http::StatusCode;
use jsonschema::{Draft, Registry};

use super::spec::{Location, Operation};
use super::validate::{BodyRefusal, Checks};
use super::{OpenApi, Problem, SpecError};
use crate::http::ApiError;

/// The largest body read for checking: Lambda's 6 MB payload limit.
const BODY_LIMIT: usize = 6 * 1024 * 1024;

/// A router being bound to a spec's operations; see [`OpenApi::routes`].
#[must_use = "`build` gives the router"]
pub struct Routes<S = ()> {
    spec: OpenApi,
    handlers: BTreeMap<usize, MethodRouter<S, Infallible>>,
    problems: Vec<Problem>,
    spec_path: Option<String>,
    validate_responses: bool,
}

impl<S> std::fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("operations", &self.spec.operations.len())
            .field("bound", &self.handlers.len())
            .field("spec_path", &self.spec_path)
            .field("validate_responses", &self.validate_responses)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub(super) fn new(spec: OpenApi) -> Self {
        Self {
            spec,
            handlers: BTreeMap::new(),
            problems: Vec::new(),
            spec_path: Some(super::SPEC_PATH.to_owned()),
            validate_responses: cfg!(debug_assertions),
        }
    }

    /// Binds `handler` (any axum handler) to the operation `operation_id`. An id the spec does
    /// not have, or one bound twice, is reported by [`Routes::build`].
    pub fn operation<H, T>(mut self, operation_id: &str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let found = self
            .spec
            .operations
            .iter()
            .position(|op| op.id.as_deref() == Some(operation_id));
        match found {
            None => self.problems.push(Problem::UnknownOperation {
                operation_id: operation_id.to_owned(),
            }),
            Some(index) if self.handlers.contains_key(&index) => {
                self.problems.push(Problem::DuplicateHandler {
                    operation_id: operation_id.to_owned(),
                });
            }
            Some(index) => {
                let method = &self.spec.operations[index].method;
                match MethodFilter::try_from(method.clone()) {
                    Ok(filter) => {
                        self.handlers.insert(index, on(filter, handler));
                    }
                    Err(_) => self.problems.push(Problem::Unroutable {
                        path: self.spec.operations[index].label(),
                        reason: "axum cannot route this method".into(),
                    }),
                }
            }
        }
        self
    }

    /// Where the spec is served as JSON (default `/openapi.json`); `None` serves it nowhere.
    pub fn spec_path(mut self, path: Option<&str>) -> Self {
        self.spec_path = path.map(str::to_owned);
        self
    }

    /// Whether each JSON response is checked against the operation's responses (default: in
    /// debug builds, so tests catch a handler drifting from the contract). A mismatch is logged
    /// with what differs and answered 500.
    pub fn validate_responses(mut self, on: bool) -> Self {
        self.validate_responses = on;
        self
    }

    /// The router: one route per spec path, each operation behind its checks.
    ///
    /// # Errors
    ///
    /// [`SpecError::Problems`] listing every problem: an operation without a handler (or
    /// without an `operationId`), a handler for an id the spec lacks or bound twice, a path
    /// axum cannot route, path parameters that do not match the template, and schemas that do
    /// not compile.
    pub fn build(self) -> Result<Router<S>, SpecError> {
        let Self {
            spec,
            mut handlers,
            mut problems,
            spec_path,
            validate_responses,
        } = self;
        problems.extend(super::paths::check(&spec.operations));
        if let Some(path) = &spec_path
            && spec.operations.iter().any(|op| op.path == *path)
        {
            problems.push(Problem::Unroutable {
                path: path.clone(),
                reason: "the spec is served there; move it with `spec_path` or turn it off".into(),
            });
        }
        let registry = registry(&spec)?;
        let mut by_path: BTreeMap<&str, MethodRouter<S, Infallible>> = BTreeMap::new();
        for (index, operation) in spec.operations.iter().enumerate() {
            let Some(handler) = handlers.remove(&index) else {
                problems.push(match &operation.id {
                    Some(id) => Problem::MissingHandler {
                        operation_id: id.clone(),
                        operation: operation.label(),
                    },
                    None => Problem::NoOperationId {
                        operation: operation.label(),
                    },
                });
                continue;
            };
            let checks = match Checks::compile(operation, &registry) {
                Ok(checks) => Arc::new(Guarded {
                    checks,
                    validate_responses,
                    operation: operation.label(),
                }),
                Err(mut more) => {
                    problems.append(&mut more);
                    continue;
                }
            };
            let route = handler.route_layer(middleware::from_fn_with_state(checks, guard));
            let merged = match by_path.remove(operation.path.as_str()) {
                Some(existing) => existing.merge(route),
                None => route,
            };
            by_path.insert(&operation.path, merged);
        }
        if !problems.is_empty() {
            return Err(SpecError::Problems(problems));
        }
        let mut router = Router::new();
        for (path, route) in by_path {
            router = router.route(path, route);
        }
        if let Some(path) = spec_path {
            router = router.route(&path, super::document_route(spec.document()));
        }
        Ok(router)
    }
}

/// Every document of the spec, under its URI, for the validator to resolve references in.
fn registry(spec: &OpenApi) -> Result<Registry<'static>, SpecError> {
    let mut builder = Registry::new().draft(Draft::Draft202012);
    for (uri, document) in &spec.docs.docs {
        builder = builder.add(uri, document.clone()).map_err(|e| {
            SpecError::Problems(vec![Problem::Invalid {
                at: uri.clone(),
                reason: e.to_string(),
            }])
        })?;
    }
    builder.prepare().map_err(|e| {
        SpecError::Problems(vec![Problem::Invalid {
            at: spec.docs.root.clone(),
            reason: e.to_string(),
        }])
    })
}

/// One operation's checks, as its route's middleware holds them.
#[derive(Debug)]
struct Guarded {
    checks: Checks,
    validate_responses: bool,
    operation: String,
}

/// Checks the request; answers 400 (each failing field), 413 or 415 when it does not match,
/// and runs the handler when it does.
async fn guard(State(guarded): State<Arc<Guarded>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let params = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(params) => params,
        Err(rejection) => return rejection.into_response(),
    };
    let path: Vec<(&str, &str)> = params.iter().collect();
    let mut failures = guarded.checks.parameters(&parts, &path);
    let body = if guarded.checks.has_body() {
        let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 6 MB")
                .into_response();
        };
        match guarded.checks.body(&parts.headers, &bytes) {
            Ok(more) => failures.extend(more),
            Err(BodyRefusal::MediaType(media)) => {
                return ApiError::unsupported_media_type(format!(
                    "this operation does not take `{media}`"
                ))
                .into_response();
            }
        }
        Body::from(bytes)
    } else {
        body
    };
    if !failures.is_empty() {
        return ApiError::bad_request("the request does not match the API")
            .with_fields(failures)
            .into_response();
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    if guarded.validate_responses {
        check_response(&guarded, response).await
    } else {
        response
    }
}

/// A response checked against the contract: unchanged when it matches, a logged 500 when not.
async fn check_response(guarded: &Guarded, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        tracing::error!(operation = %guarded.operation, "the response body could not be read to check it");
        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
            .into_response();
    };
    let failures = guarded
        .checks
        .response(parts.status.as_u16(), &parts.headers, &bytes);
    if failures.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let listed: Vec<String> = failures
        .iter()
        .map(|f| format!("{} {}", f.field, f.message))
        .collect();
    tracing::error!(
        operation = %guarded.operation,
        status = parts.status.as_u16(),
        mismatches = %listed.join("; "),
        "a response does not match the API contract"
    );
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the response does not match the API contract",
    )
    .into_response()
}

/// The path parameters an operation declares, for the template check.
pub(super) fn path_parameters(operation: &Operation) -> impl Iterator<Item = &str> {
    operation
        .parameters
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| p.name.as_str())
}
