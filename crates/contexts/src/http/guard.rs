//! Authentication and the request [`Session`]: the service right above the router.
//!
//! It reads `Session.state` from the state header, asks the authenticator for `Session.user`,
//! puts the session in the request (for the [`CurrentSession`] extractor) and runs the router
//! inside [`Session::scope`], so every call below it, across `.await`s, sees the session.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, Request};
use tower::{Service, ServiceExt};
use updraft_core::{Session, SessionHeader};

use super::auth::Authenticator;
use super::problem::ApiError;

/// What the guard checks.
#[derive(Debug, Clone)]
pub(crate) struct GuardSettings {
    pub(crate) state_header: SessionHeader,
    pub(crate) require_state: bool,
    pub(crate) auth: Authenticator,
}

impl GuardSettings {
    /// The session of a request; an error response when a requirement is not met.
    pub(crate) async fn session(&self, headers: &HeaderMap) -> Result<Session, ApiError> {
        let mut session = self.state_header.decode(headers)?.unwrap_or_default();
        if self.require_state && session.require_state().is_err() {
            return Err(ApiError::bad_request(format!(
                "this endpoint needs the {} header",
                self.state_header.name()
            )));
        }
        if self.auth.is_active()
            && let Some(user) = self.auth.user(headers).await?
        {
            session.user = Some(user);
        }
        Ok(session)
    }
}

/// The service of the guard; see the module docs.
#[derive(Debug, Clone)]
pub struct Guard<S> {
    inner: S,
    settings: Arc<GuardSettings>,
}

impl<S> Guard<S> {
    pub(crate) fn new(inner: S, settings: Arc<GuardSettings>) -> Self {
        Self { inner, settings }
    }
}

impl<S> Service<Request<Body>> for Guard<S>
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
        let inner = self.inner.clone();
        let settings = self.settings.clone();
        Box::pin(async move {
            let session = match settings.session(request.headers()).await {
                Ok(session) => session,
                Err(error) => return Ok(error.into_response()),
            };
            request.extensions_mut().insert(session.clone());
            session.scope(inner.oneshot(request)).await
        })
    }
}

/// The request's [`Session`], as an extractor.
///
/// ```
/// use updraft_contexts::http::CurrentSession;
///
/// async fn whoami(CurrentSession(session): CurrentSession) -> String {
///     format!("state {:?}, user {:?}", session.state, session.user)
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(whoami);
/// ```
#[derive(Debug, Clone, Default)]
pub struct CurrentSession(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for CurrentSession {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self(Self::of(parts)))
    }
}

impl CurrentSession {
    /// The request's session: the one the guard put in it, else the current one, else none.
    pub(crate) fn of(parts: &Parts) -> Session {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .or_else(Session::current)
            .unwrap_or_default()
    }
}
