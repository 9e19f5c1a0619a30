//! One HTTP context for every Lambda HTTP event source, and a local server.
//!
//! Write an ordinary axum [`Router`]; [`run`] serves it:
//!
//! - inside Lambda (`AWS_LAMBDA_RUNTIME_API` is set), from an ALB, a REST API (v1), an HTTP API
//!   (v2), a function URL or VPC Lattice, answering each in its own response format;
//! - anywhere else, as a plain HTTP server on `127.0.0.1:$PORT` (default 3000).
//!
//! The router sees the same path everywhere: without the API stage where API Gateway put it
//! there (the rule, and how it differs from `lambda_http`'s `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`,
//! is on [`EventSource`]), and without the prefixes you strip ([`App::strip_prefixes`], for
//! custom-domain base paths). Around it, every app gets:
//! a `request` span with the request ids on every log line and one access line per request;
//! JSON errors with a `message` for every failure, including unknown routes (404), wrong
//! methods (405) and panics (500, and the function keeps serving); the
//! [`Session`](updraft_core::Session) from the
//! state header and the authenticated user; optional CORS.
//!
//! # Example
//!
//! ```no_run
//! use axum::{Json, Router, extract::Path, routing::get};
//! use serde_json::{Value, json};
//!
//! async fn hello(Path(name): Path<String>) -> Json<Value> {
//!     Json(json!({ "message": format!("hello, {name}") }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     let router = Router::new().route("/hello/{name}", get(hello));
//!     updraft_contexts::http::run(router).await
//! }
//! ```
//!
//! # Errors
//!
//! Return [`ApiResult`] (`Result<T, ApiError>`) from a handler that can fail: an [`ApiError`]
//! answers its status with a JSON `{"message", "request_id"}` body, and a 5xx keeps its text in
//! the log, out of the response. Do not return `Result<T, String>`: axum turns a `String` error
//! into a **200** response with the text as its body.
//!
//! # Configuration
//!
//! | variable | effect | default |
//! |---|---|---|
//! | `PORT`, `UPDRAFT_LISTEN_ADDR` | the local server's address | `127.0.0.1:3000` |
//! | `UPDRAFT_STRIP_PREFIXES` | comma-separated path prefixes to strip, such as `/api,/v1` | none |
//! | `UPDRAFT_STATE_HEADER` | the header `Session.state` comes from | `constitution-state` (aws-python-helper's) |
//! | `AUTHORIZATION` | `user`, `state`, `full` or `off` (see [`AuthMode`]) | `off` |
//! | `AUTH_BYPASS_TOKEN` | a bearer token that passes without the verifier | none |
//! | `UPDRAFT_CORS_ORIGINS` | `*` or comma-separated origins allowed by CORS | CORS off |
//! | `UPDRAFT_HEADER_READ_TIMEOUT`, `UPDRAFT_BODY_READ_TIMEOUT` | the local server's read limits | `10s`, `30s` |
//!
//! Values set on [`App`] win over the variables. Logging is configured as
//! [`crate::logging`] says.

mod auth;
mod dispatch;
mod edge;
mod event;
mod extract;
mod guard;
mod lattice;
#[cfg(feature = "local")]
mod local;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
mod problem;
mod reply;
pub mod resource;
#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, Request};
#[cfg(feature = "local")]
use tokio::net::TcpListener;
use tower::util::Either;
use tower_http::cors::{AllowOrigin, Any, Cors};
use updraft_core::{Env, SessionHeader};

pub use auth::{AuthMode, TokenVerifier, Verdict, VerifierFn, verifier_fn};
pub use dispatch::LambdaService;
pub use edge::Edge;
pub use event::{EventSource, MAX_HEADER_BYTES};
pub use extract::{Rejection, ValidJson, ValidPath, ValidQuery};
pub use guard::{CurrentSession, Guard};
pub use lattice::{HttpEvent, VpcLatticeV1Request, VpcLatticeV1Response};
#[cfg(feature = "local")]
#[cfg_attr(docsrs, doc(cfg(feature = "local")))]
pub use local::{DEFAULT_PORT, MAX_BODY_BYTES};
pub use problem::{ApiError, ApiResult, FieldError};
pub use reply::EventResponse;
pub use tower_http::cors::CorsLayer;

use crate::Error;
use auth::{Authenticator, BypassToken, DynVerifier};
use guard::GuardSettings;

/// The default header `Session.state` is read from: aws-python-helper's `constitution-state`,
/// the same default as [`updraft_core::SessionHeader`] users, so a Python caller's state
/// arrives.
pub use updraft_core::session::codec::DEFAULT_STATE_HEADER;

/// Serves `router` in Lambda or locally, configured from the environment. See the module docs.
///
/// # Errors
///
/// A [`Error::Config`] naming the variable when configuration is malformed (or a Lambda
/// variable the runtime needs is missing), [`Error::Bind`] when the local port is taken, and
/// [`Error::Runtime`] when the Lambda runtime loop fails.
pub async fn run(router: Router) -> Result<(), Error> {
    App::new(router).run().await
}

/// An axum router with its Updraft configuration. Settings given here win over the
/// environment.
#[must_use]
pub struct App {
    router: Router,
    env: Option<Env>,
    prefixes: Option<Vec<String>>,
    state_header: Option<String>,
    mode: Option<AuthMode>,
    verifier: Option<Arc<dyn DynVerifier>>,
    bypass: Option<String>,
    cors: Option<CorsLayer>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("prefixes", &self.prefixes)
            .field("state_header", &self.state_header)
            .field("mode", &self.mode)
            .field("verifier", &self.verifier.is_some())
            .field("bypass", &self.bypass.as_ref().map(|_| "<redacted>"))
            .field("cors", &self.cors.is_some())
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app serving `router`.
    pub fn new(router: Router) -> Self {
        Self {
            router,
            env: None,
            prefixes: None,
            state_header: None,
            mode: None,
            verifier: None,
            bypass: None,
            cors: None,
        }
    }

    /// Reads configuration from `env` instead of the process environment and `./.env`.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Strips these path prefixes (such as a custom domain's base path) before routing,
    /// overriding `UPDRAFT_STRIP_PREFIXES`. The first that matches on a segment boundary wins.
    pub fn strip_prefixes<I, P>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.prefixes = Some(prefixes.into_iter().map(Into::into).collect());
        self
    }

    /// Reads `Session.state` from this header, overriding `UPDRAFT_STATE_HEADER`.
    pub fn state_header(mut self, name: impl Into<String>) -> Self {
        self.state_header = Some(name.into());
        self
    }

    /// Sets what requests must carry, overriding `AUTHORIZATION`.
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Verifies bearer tokens with `verifier`; the user it returns becomes `Session.user`.
    pub fn token_verifier(mut self, verifier: impl TokenVerifier) -> Self {
        self.verifier = Some(Arc::new(verifier));
        self
    }

    /// Accepts `token` as a bearer token without the verifier, overriding `AUTH_BYPASS_TOKEN`.
    pub fn bypass_token(mut self, token: impl Into<String>) -> Self {
        self.bypass = Some(token.into());
        self
    }

    /// Adds CORS, overriding `UPDRAFT_CORS_ORIGINS`. Preflight requests are answered before
    /// authentication, under every event source.
    pub fn cors(mut self, cors: CorsLayer) -> Self {
        self.cors = Some(cors);
        self
    }

    /// The app as an HTTP service (what the local server runs).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable when configuration is malformed, or when
    /// authentication requires a user and neither a verifier nor a bypass token is set.
    pub fn into_service(mut self) -> Result<HttpService, Error> {
        let env = self.take_env()?;
        self.build(&env)
    }

    /// The app as a Lambda handler.
    ///
    /// # Errors
    ///
    /// See [`App::into_service`].
    pub fn into_lambda_service(self) -> Result<LambdaService, Error> {
        self.into_service().map(LambdaService::new)
    }

    /// Serves the app: in Lambda when `AWS_LAMBDA_RUNTIME_API` is set, locally otherwise.
    /// Installs the logging subscriber first (see [`crate::logging`]).
    ///
    /// # Errors
    ///
    /// See [`run`].
    pub async fn run(mut self) -> Result<(), Error> {
        let env = self.take_env()?;
        crate::logging::init(&env)?;
        if crate::lambda::in_lambda(&env) {
            let service = LambdaService::new(self.build(&env)?);
            return crate::lambda::serve::<_, HttpEvent, _, _, _, _, _>(service).await;
        }
        #[cfg(feature = "local")]
        {
            let address = local::address(&env)?;
            let limits = local::Limits::from_env(&env)?;
            local::serve(self.build(&env)?, address, limits).await
        }
        #[cfg(not(feature = "local"))]
        {
            Err(Error::Config(updraft_core::Error::MissingVar {
                name: "AWS_LAMBDA_RUNTIME_API (this binary serves only in Lambda: build it with the `local` feature, `contexts-local` in the facade, to serve it over HTTP here)".into(),
            }))
        }
    }

    /// Serves the app locally on a listener you bound (port 0 in tests, say).
    #[cfg(feature = "local")]
    #[cfg_attr(docsrs, doc(cfg(feature = "local")))]
    ///
    /// # Errors
    ///
    /// See [`App::into_service`]; and [`Error::Serve`] if serving fails.
    pub async fn serve(mut self, listener: TcpListener) -> Result<(), Error> {
        let env = self.take_env()?;
        let limits = local::Limits::from_env(&env)?;
        local::serve_on(self.build(&env)?, listener, limits).await
    }

    fn take_env(&mut self) -> Result<Env, Error> {
        match self.env.take() {
            Some(env) => Ok(env),
            None => Ok(Env::load()?),
        }
    }

    fn build(self, env: &Env) -> Result<HttpService, Error> {
        let prefixes: Vec<String> = match self.prefixes {
            Some(prefixes) => prefixes,
            None => env
                .non_empty("UPDRAFT_STRIP_PREFIXES")
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        let prefixes: Arc<[String]> = prefixes
            .iter()
            .filter_map(|p| edge::normalize_prefix(p))
            .collect();
        let header_name = match self.state_header {
            Some(name) => name,
            None => env
                .non_empty("UPDRAFT_STATE_HEADER")
                .unwrap_or(DEFAULT_STATE_HEADER)
                .to_owned(),
        };
        let state_header = SessionHeader::state(&header_name).map_err(|_| {
            updraft_core::Error::invalid_var(
                "UPDRAFT_STATE_HEADER",
                format!("`{header_name}` is not a header name"),
            )
        })?;
        let mode = match self.mode {
            Some(mode) => mode,
            None => AuthMode::parse(env.get("AUTHORIZATION").unwrap_or_default())
                .map_err(|reason| updraft_core::Error::invalid_var("AUTHORIZATION", reason))?,
        };
        let bypass = self
            .bypass
            .or_else(|| env.non_empty("AUTH_BYPASS_TOKEN").map(str::to_owned))
            .map(|token| BypassToken::new(&token));
        if mode.requires_user() && self.verifier.is_none() && bypass.is_none() {
            return Err(updraft_core::Error::invalid_var(
                "AUTHORIZATION",
                "requires a user, but the app has no token verifier and no AUTH_BYPASS_TOKEN",
            )
            .into());
        }
        let settings = Arc::new(GuardSettings {
            state_header,
            require_state: mode.requires_state(),
            auth: Authenticator {
                require_user: mode.requires_user(),
                verifier: self.verifier,
                bypass,
            },
        });
        let cors = match self.cors {
            Some(cors) => Some(cors),
            None => cors_from_env(env)?,
        };
        let router = self.router.layer(edge::RecordRoute);
        let guarded = Guard::new(router, settings);
        let inner = match cors {
            Some(cors) => Either::Left(tower::Layer::layer(&cors, guarded)),
            None => Either::Right(guarded),
        };
        Ok(HttpService {
            inner: Edge::new(inner, prefixes),
        })
    }
}

fn cors_from_env(env: &Env) -> Result<Option<CorsLayer>, Error> {
    let Some(origins) = env.non_empty("UPDRAFT_CORS_ORIGINS") else {
        return Ok(None);
    };
    let allow = if origins.trim() == "*" {
        AllowOrigin::any()
    } else {
        let list = origins
            .split(',')
            .map(|origin| {
                HeaderValue::from_str(origin.trim()).map_err(|_| {
                    updraft_core::Error::invalid_var(
                        "UPDRAFT_CORS_ORIGINS",
                        format!("`{origin}` is not an origin"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods(Any)
            .allow_headers(Any),
    ))
}

type Inner = Either<Cors<Guard<Router>>, Guard<Router>>;

/// The app as a `tower::Service<http::Request<axum::body::Body>>`, with every Updraft layer
/// around the router. Cheap to clone.
#[derive(Clone)]
pub struct HttpService {
    inner: Edge<Inner>,
}

impl fmt::Debug for HttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HttpService")
    }
}

impl tower::Service<Request<Body>> for HttpService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        self.inner.call(request)
    }
}
