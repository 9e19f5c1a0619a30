//! Bearer-token authentication, aws-python-helper style.
//!
//! `AUTHORIZATION` (or [`super::App::auth_mode`]) chooses what a request must carry:
//!
//! | mode | `Authorization: Bearer …` | state header |
//! |---|---|---|
//! | `off` (unset) | optional; verified when present and a verifier is set | optional |
//! | `user` | required | optional |
//! | `state` | optional | required (400 without it) |
//! | `full` | required | required |
//!
//! A [`TokenVerifier`] turns a token into the user, which becomes `Session.user`. A token equal
//! to `AUTH_BYPASS_TOKEN` (compared in constant time) passes without the verifier and yields the
//! user `{"bypass": true}`. No token: 401. An unknown token: 401. A verifier's refusal: 403.
//! More than one `Authorization` header: 400 (which one to believe would be a guess, and a
//! proxy and the app could guess differently). The token itself is never logged, and the
//! bypass token is kept only as its SHA-256 digest, compared in constant time, so the
//! comparison tells nothing of its length.

// Over 400 lines with its tests; the code is about 300 lines.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue, header};
use sha2::{Digest, Sha256};

use super::problem::ApiError;

/// What a [`TokenVerifier`] says of a token.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// The token is valid; the value describes the user.
    Allow(serde_json::Value),
    /// The token is not known (expired, revoked, never issued): 401.
    Unknown,
    /// The token is known but may not be used here: 403 with the reason.
    Deny(String),
}

/// Turns a bearer token into a user. `updraft_dynamo::auth::TokenStore` (feature `auth`) keeps
/// tokens in a DynamoDB table; implement it for another store, or wrap an async closure with
/// [`verifier_fn`]; `updraft_mongo_repo::auth::TokenStore` (feature `auth`) keeps them in MongoDB.
///
/// # Example
///
/// ```
/// use updraft_contexts::http::{ApiError, TokenVerifier, Verdict};
///
/// struct StaticTokens;
///
/// impl TokenVerifier for StaticTokens {
///     async fn verify(&self, token: &str) -> Result<Verdict, ApiError> {
///         Ok(match token {
///             "t-alice" => Verdict::Allow(serde_json::json!({"id": "alice"})),
///             "t-mallory" => Verdict::Deny("suspended".into()),
///             _ => Verdict::Unknown,
///         })
///     }
/// }
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// Looks the token up.
    ///
    /// # Errors
    ///
    /// An [`ApiError`] when the lookup itself fails (its status is answered as is).
    fn verify(&self, token: &str) -> impl Future<Output = Result<Verdict, ApiError>> + Send;
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`TokenVerifier`] made object-safe, so an app holds any verifier.
pub(crate) trait DynVerifier: Send + Sync {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verdict, ApiError>>;
}

impl<V: TokenVerifier> DynVerifier for V {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verdict, ApiError>> {
        Box::pin(TokenVerifier::verify(self, token))
    }
}

/// A [`TokenVerifier`] from an async closure that takes the token.
///
/// ```
/// use updraft_contexts::http::{verifier_fn, Verdict};
///
/// let verifier = verifier_fn(|token: String| async move {
///     Ok(if token == "let-me-in" { Verdict::Allow(serde_json::json!({"id": 1})) } else { Verdict::Unknown })
/// });
/// # let _ = verifier;
/// ```
pub fn verifier_fn<F, Fut>(f: F) -> VerifierFn<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Verdict, ApiError>> + Send,
{
    VerifierFn(f)
}

/// The [`TokenVerifier`] made by [`verifier_fn`].
#[derive(Clone, Copy)]
pub struct VerifierFn<F>(F);

impl<F> fmt::Debug for VerifierFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifierFn")
    }
}

impl<F, Fut> TokenVerifier for VerifierFn<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Verdict, ApiError>> + Send,
{
    fn verify(&self, token: &str) -> impl Future<Output = Result<Verdict, ApiError>> + Send {
        (self.0)(token.to_owned())
    }
}

/// What requests must carry; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// Nothing is required.
    #[default]
    Off,
    /// A valid bearer token.
    User,
    /// The state header.
    State,
    /// Both.
    Full,
}

impl AuthMode {
    /// Parses `AUTHORIZATION`: empty, `off`, `user`, `state` or `full`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "off" | "none" => Ok(AuthMode::Off),
            "user" => Ok(AuthMode::User),
            "state" => Ok(AuthMode::State),
            "full" => Ok(AuthMode::Full),
            other => Err(format!("`{other}` is not user, state, full or off")),
        }
    }

    /// Whether a bearer token is required.
    #[must_use]
    pub fn requires_user(self) -> bool {
        matches!(self, AuthMode::User | AuthMode::Full)
    }

    /// Whether the state header is required.
    #[must_use]
    pub fn requires_state(self) -> bool {
        matches!(self, AuthMode::State | AuthMode::Full)
    }
}

/// The bypass token, kept as its SHA-256 digest only; its `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct BypassToken([u8; 32]);

impl BypassToken {
    pub(crate) fn new(token: &str) -> Self {
        Self(digest(token))
    }

    /// Whether `token` is the bypass token. The digests are compared, in constant time, so
    /// neither the time taken nor an early exit tells a guesser how long the token is or how
    /// much of a guess was right.
    fn matches(&self, token: &str) -> bool {
        constant_time_eq(&digest(token), &self.0)
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl fmt::Debug for BypassToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BypassToken(<redacted>)")
    }
}

/// How an app authenticates.
#[derive(Clone, Default)]
pub(crate) struct Authenticator {
    pub(crate) require_user: bool,
    pub(crate) verifier: Option<Arc<dyn DynVerifier>>,
    pub(crate) bypass: Option<BypassToken>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("require_user", &self.require_user)
            .field("verifier", &self.verifier.is_some())
            .field("bypass", &self.bypass)
            .finish()
    }
}

impl Authenticator {
    /// Whether requests go through authentication at all.
    pub(crate) fn is_active(&self) -> bool {
        self.require_user || self.verifier.is_some() || self.bypass.is_some()
    }

    /// The user of the request, `None` when it carries no token and none is required.
    pub(crate) async fn user(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<serde_json::Value>, ApiError> {
        let token = match bearer(headers) {
            Ok(Some(token)) => token,
            Ok(None) if self.require_user => {
                return Err(unauthorized("this endpoint needs a bearer token"));
            }
            Ok(None) => return Ok(None),
            Err(Malformed::Repeated) => {
                return Err(ApiError::bad_request(
                    "the request has more than one Authorization header",
                ));
            }
            Err(Malformed::Other(reason)) => return Err(unauthorized(reason)),
        };
        if let Some(bypass) = &self.bypass
            && bypass.matches(token)
        {
            return Ok(Some(serde_json::json!({ "bypass": true })));
        }
        let Some(verifier) = &self.verifier else {
            return Err(unauthorized("the bearer token is not valid"));
        };
        match verifier.verify(token).await? {
            Verdict::Allow(user) => Ok(Some(user)),
            Verdict::Unknown => Err(unauthorized("the bearer token is not valid")),
            Verdict::Deny(reason) => Err(ApiError::forbidden(reason)),
        }
    }
}

fn unauthorized(message: &'static str) -> ApiError {
    ApiError::unauthorized(message).with_header(
        HeaderName::from_static("www-authenticate"),
        HeaderValue::from_static("Bearer"),
    )
}

/// Why an `Authorization` header was refused.
#[derive(Debug, PartialEq, Eq)]
enum Malformed {
    /// Sent more than once: which one counts would be a guess (400).
    Repeated,
    /// Not `Bearer <token>` (401).
    Other(&'static str),
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Malformed> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = all.next() else {
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(Malformed::Repeated);
    }
    let malformed = Malformed::Other("the Authorization header must be `Bearer <token>`");
    let value = value
        .to_str()
        .map_err(|_| Malformed::Other("the Authorization header is not visible ASCII"))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Malformed::Other(
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(Some(token))
}

/// Compares two digests without an early exit.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        }
        headers
    }

    fn authenticator(require_user: bool) -> Authenticator {
        Authenticator {
            require_user,
            verifier: Some(Arc::new(verifier_fn(|token: String| async move {
                Ok(match token.as_str() {
                    "good" => Verdict::Allow(serde_json::json!({"id": "u1"})),
                    "banned" => Verdict::Deny("this account is suspended".into()),
                    _ => Verdict::Unknown,
                })
            }))),
            bypass: Some(BypassToken::new("s3cret-bypass")),
        }
    }

    #[tokio::test]
    async fn verdicts_map_to_statuses() {
        let auth = authenticator(true);
        assert_eq!(
            auth.user(&headers(Some("Bearer good"))).await.unwrap(),
            Some(serde_json::json!({"id": "u1"}))
        );
        for (header, status) in [
            (None, 401),
            (Some("Bearer nope"), 401),
            (Some("Basic dXNlcjpwYXNz"), 401),
            (Some("Bearer "), 401),
            (Some("Bearer banned"), 403),
        ] {
            let err = auth.user(&headers(header)).await.unwrap_err();
            assert_eq!(err.status().as_u16(), status, "{header:?}");
        }
    }

    #[tokio::test]
    async fn the_bypass_token_passes_without_the_verifier() {
        let auth = authenticator(true);
        let user = auth
            .user(&headers(Some("Bearer s3cret-bypass")))
            .await
            .unwrap();
        assert_eq!(user, Some(serde_json::json!({"bypass": true})));
        assert!(
            auth.user(&headers(Some("Bearer s3cret-bypasS")))
                .await
                .is_err()
        );
        assert!(!format!("{auth:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn optional_auth_lets_anonymous_requests_through() {
        let auth = authenticator(false);
        assert_eq!(auth.user(&HeaderMap::new()).await.unwrap(), None);
        let err = auth.user(&headers(Some("Bearer nope"))).await.unwrap_err();
        assert_eq!(err.status(), 401, "a presented token is still checked");
    }

    #[test]
    fn modes_parse_like_aws_python_helper() {
        assert_eq!(AuthMode::parse("").unwrap(), AuthMode::Off);
        assert_eq!(AuthMode::parse("FULL").unwrap(), AuthMode::Full);
        assert!(AuthMode::parse("everything").is_err());
        assert!(AuthMode::Full.requires_state() && AuthMode::Full.requires_user());
        assert!(!AuthMode::State.requires_user());
    }

    #[test]
    fn the_bypass_token_is_compared_by_digest() {
        let bypass = BypassToken::new("s3cret-bypass");
        assert!(bypass.matches("s3cret-bypass"));
        for guess in [
            "s3cret-bypasS",
            "s3cret-bypass ",
            "s",
            "",
            "s3cret-bypass-and-more",
        ] {
            assert!(!bypass.matches(guess), "{guess:?}");
        }
        assert!(constant_time_eq(&digest("a"), &digest("a")));
        assert!(!constant_time_eq(&digest("a"), &digest("b")));
    }

    #[tokio::test]
    async fn repeated_authorization_headers_are_a_400_never_first_wins() {
        let auth = authenticator(true);
        let mut repeated = HeaderMap::new();
        repeated.append(header::AUTHORIZATION, "Bearer good".parse().unwrap());
        repeated.append(header::AUTHORIZATION, "Bearer banned".parse().unwrap());
        let err = auth.user(&repeated).await.unwrap_err();
        assert_eq!(err.status(), 400);
        let mut same_twice = HeaderMap::new();
        same_twice.append(header::AUTHORIZATION, "Bearer good".parse().unwrap());
        same_twice.append(header::AUTHORIZATION, "Bearer good".parse().unwrap());
        assert_eq!(auth.user(&same_twice).await.unwrap_err().status(), 400);
    }
}
