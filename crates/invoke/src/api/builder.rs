//! [`ApiClientBuilder`]: a client's base URL, token, headers and limits, from the environment
//! or set in code.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use updraft_core::backoff::Backoff;
use updraft_core::session::codec::DEFAULT_STATE_HEADER;
use updraft_core::{Env, SessionHeader};

use super::settings::{Limits, Services};
use super::token::TokenSource;
use super::url::Base;
use super::{ApiClient, DEFAULT_MAX_RESPONSE, Inner, RetryBudget, transport};
use crate::Error;

/// Where the builder takes the token from. `Debug` never shows it.
enum TokenSetting {
    FromEnv,
    Given(String),
    Nothing,
}

impl std::fmt::Debug for TokenSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenSetting::FromEnv => "FromEnv",
            TokenSetting::Given(_) => "Given([redacted])",
            TokenSetting::Nothing => "Nothing",
        })
    }
}

/// Builds an [`ApiClient`]. Settings given here win over the environment.
#[derive(Debug)]
#[must_use]
pub struct ApiClientBuilder {
    service: String,
    env: Option<Env>,
    base_url: Option<String>,
    token: TokenSetting,
    headers: Vec<(String, String)>,
    session_header: Option<SessionHeader>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    backoff: Option<Backoff>,
    any_method: bool,
    budget: u32,
    max_response: usize,
    plain_http: bool,
    #[cfg(feature = "sigv4")]
    signing: Option<updraft_core::SdkConfig>,
    #[cfg(feature = "secrets")]
    secrets_config: Option<updraft_core::SdkConfig>,
}

impl ApiClientBuilder {
    pub(super) fn new(service: String) -> Self {
        Self {
            service,
            env: None,
            base_url: None,
            token: TokenSetting::FromEnv,
            headers: Vec::new(),
            session_header: None,
            connect_timeout: None,
            timeout: None,
            backoff: None,
            any_method: false,
            budget: 10,
            max_response: DEFAULT_MAX_RESPONSE,
            plain_http: false,
            #[cfg(feature = "sigv4")]
            signing: None,
            #[cfg(feature = "secrets")]
            secrets_config: None,
        }
    }

    /// Reads `MICROSERVICE_URLS`, the token variables and the limits from `env` instead of the
    /// process environment and `.env`.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// The base URL, instead of looking the service up in `MICROSERVICE_URLS`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The bearer token, instead of `INTER_SERVICE_TOKEN` / `AUTH_BYPASS_TOKEN`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = TokenSetting::Given(token.into());
        self
    }

    /// Sends no `Authorization` header, whatever the environment holds.
    pub fn no_token(mut self) -> Self {
        self.token = TokenSetting::Nothing;
        self
    }

    /// A header sent with every call. `Authorization`, `Host`, `Content-Length` and the
    /// session header are the client's own and refused.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The header that carries the current session (the state in `constitution-state` by
    /// default).
    pub fn session_header(mut self, header: SessionHeader) -> Self {
        self.session_header = Some(header);
        self
    }

    /// The TCP and TLS connect timeout (3 s; `UPDRAFT_API_CONNECT_TIMEOUT`).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The total timeout of a call, retries and waits included (30 s;
    /// `UPDRAFT_API_TIMEOUT`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy (3 attempts from 100 ms up to 2 s; `UPDRAFT_API_MAX_ATTEMPTS` sets the
    /// attempts). `Backoff::new(.., .., 1)` turns retries off.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// Retries dropped connections, 429 and 503 for every method, not only idempotent ones;
    /// for services whose POSTs are idempotent (an `Idempotency-Key`, say).
    pub fn retry_any_method(mut self, any: bool) -> Self {
        self.any_method = any;
        self
    }

    /// The retries the client may spend before successes refill its [`RetryBudget`] (10).
    pub fn retry_budget(mut self, retries: u32) -> Self {
        self.budget = retries;
        self
    }

    /// The largest successful answer read, in bytes (10 MiB).
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response = bytes;
        self
    }

    /// Allows `http://` base URLs to hosts that are not loopback (a VPC-internal service).
    /// Without it, only `https://` and loopback `http://` are accepted, so a token never
    /// crosses a network in clear text by accident.
    pub fn allow_plain_http(mut self) -> Self {
        self.plain_http = true;
        self
    }

    /// Signs every call with SigV4 for `execute-api` (IAM-authorised API Gateway) with the
    /// credentials and region of `config`, instead of sending a bearer token.
    #[cfg(feature = "sigv4")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sigv4")))]
    pub fn sign(mut self, config: &updraft_core::SdkConfig) -> Self {
        self.signing = Some(config.clone());
        self
    }

    /// Reads a `secret://`, `ssm://` or `secretsmanager://` token with the clients of
    /// `config`, instead of the configuration `updraft_core::aws::load()` finds on the first
    /// call.
    #[cfg(feature = "secrets")]
    #[cfg_attr(docsrs, doc(cfg(feature = "secrets")))]
    pub fn secrets_config(mut self, config: &updraft_core::SdkConfig) -> Self {
        self.secrets_config = Some(config.clone());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// - [`Error::ServiceNotConfigured`] when no base URL is given and `MICROSERVICE_URLS`
    ///   does not name the service;
    /// - [`Error::Config`] naming the variable or setting that is malformed: the URL, a
    ///   header, the token, a timeout, the platform's TLS roots.
    pub fn build(self) -> Result<ApiClient, Error> {
        let invalid = |setting: &str, reason: String| {
            Error::from(updraft_core::Error::invalid_var(setting, reason))
        };
        let env = match &self.env {
            Some(env) => env.clone(),
            None => Env::load()?,
        };
        let (url, setting) = match &self.base_url {
            Some(url) => (url.clone(), "base_url"),
            None if self.env.is_some() => (
                Services::from_env(&env)?.url(&self.service)?.to_owned(),
                super::SERVICES_VAR,
            ),
            None => (
                Services::of_process(&env)?.url(&self.service)?.to_owned(),
                super::SERVICES_VAR,
            ),
        };
        let base = Base::parse(&url, self.plain_http)
            .map_err(|reason| invalid(setting, format!("service `{}`: {reason}", self.service)))?;
        let mut limits = Limits::from_env(&env)?;
        if let Some(connect) = self.connect_timeout {
            limits.connect = connect;
        }
        if let Some(total) = self.timeout {
            limits.total = total;
        }
        if let Some(backoff) = self.backoff {
            limits.backoff = backoff;
        }
        let session_header = match self.session_header {
            Some(header) => header,
            None => SessionHeader::state(DEFAULT_STATE_HEADER)?,
        };
        let headers = headers(&self.headers, &session_header)?;
        #[cfg_attr(not(feature = "secrets"), allow(unused_mut))]
        let mut token = match self.token {
            TokenSetting::Given(token) => TokenSource::value("token", &token)?,
            TokenSetting::Nothing => TokenSource::None,
            TokenSetting::FromEnv => TokenSource::from_env(&env)?,
        };
        #[cfg(feature = "secrets")]
        if let Some(config) = &self.secrets_config {
            token.resolve_with(config);
        }
        let http = transport::client(limits.connect).map_err(|reason| invalid("TLS", reason))?;
        #[cfg(feature = "sigv4")]
        let signer = self
            .signing
            .as_ref()
            .map(|config| {
                updraft_core::SignedClient::builder(config, "execute-api")
                    .endpoint(base.to_string())
                    .build()
            })
            .transpose()?;
        Ok(ApiClient {
            inner: Arc::new(Inner {
                service: self.service,
                base,
                headers,
                #[cfg(feature = "sigv4")]
                token: if signer.is_some() {
                    TokenSource::None
                } else {
                    token
                },
                #[cfg(not(feature = "sigv4"))]
                token,
                session_header,
                limits,
                any_method: self.any_method,
                max_response: self.max_response,
                budget: RetryBudget::new(self.budget),
                http,
                #[cfg(feature = "sigv4")]
                signer,
            }),
        })
    }
}

/// The client's own headers, which neither the builder nor a call may set.
pub(super) fn is_reserved(name: &HeaderName, session_header: &SessionHeader) -> bool {
    name == http::header::AUTHORIZATION
        || name == http::header::HOST
        || name == http::header::CONTENT_LENGTH
        || name == session_header.name()
        || name.as_str().starts_with("x-amz-")
}

fn headers(pairs: &[(String, String)], session_header: &SessionHeader) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let (name, value) = header(name, value, session_header)
            .map_err(|reason| updraft_core::Error::invalid_var("header", reason))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// One checked header.
pub(super) fn header(
    name: &str,
    value: &str,
    session_header: &SessionHeader,
) -> Result<(HeaderName, HeaderValue), String> {
    let name = HeaderName::try_from(name).map_err(|_| format!("`{name}` is not a header name"))?;
    if is_reserved(&name, session_header) {
        return Err(format!(
            "`{name}` is set by the client itself (the token, the session, the signature)"
        ));
    }
    let mut value =
        HeaderValue::try_from(value).map_err(|_| format!("the value of `{name}` is not valid"))?;
    // An API key is as secret as the token: `Debug` of the client or a call shows no value.
    value.set_sensitive(true);
    Ok((name, value))
}
