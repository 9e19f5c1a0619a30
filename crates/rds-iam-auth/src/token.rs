//! RDS IAM auth tokens: made by `aws_sdk_rds::auth_token`, byte for byte what botocore's
//! `generate_db_auth_token` returns, with an injectable signing clock.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_sdk_rds::auth_token::{AuthTokenGenerator, Config};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use updraft_core::SdkConfig;

use crate::Error;

/// How long RDS accepts a token after it is signed.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What RFC 3986 leaves unescaped in a query value, as botocore encodes `DBUser`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The clock tokens are signed with: the system's, or one a test sets and advances. Cheap to
/// clone; clones share the time.
#[derive(Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<SystemTime>>>,
}

impl Clock {
    /// The system clock.
    #[must_use]
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stays at `at` until set or advanced.
    #[must_use]
    pub fn fixed(at: SystemTime) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Moves a fixed clock forward (the system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Some(fixed) = &self.fixed {
            let mut now = fixed.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
        }
    }

    /// The time now.
    #[must_use]
    pub fn now(&self) -> SystemTime {
        match &self.fixed {
            Some(fixed) => *fixed.lock().unwrap_or_else(PoisonError::into_inner),
            None => SystemTime::now(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fixed {
            Some(_) => write!(f, "Clock::fixed({:?})", self.now()),
            None => f.write_str("Clock::system()"),
        }
    }
}

/// A token: the password for one login, valid for [`TOKEN_LIFETIME`] after it was signed.
/// `Debug` and `Display` print `[REDACTED]`.
#[derive(Clone)]
pub struct Token {
    value: SecretString,
    signed_at: SystemTime,
}

impl Token {
    /// The token text, to pass as the password.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// When it was signed.
    #[must_use]
    pub fn signed_at(&self) -> SystemTime {
        self.signed_at
    }

    /// When RDS stops accepting it.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        self.signed_at + TOKEN_LIFETIME
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"[REDACTED]")
            .field("signed_at", &self.signed_at)
            .finish()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Makes tokens for one database user. Credentials and region come from the [`SdkConfig`]
/// (the region can be set here instead).
#[derive(Debug, Clone)]
pub struct TokenGenerator {
    hostname: String,
    port: u16,
    username: String,
    region: Option<String>,
    clock: Clock,
}

impl TokenGenerator {
    /// Tokens for `username` at `hostname:port`.
    #[must_use]
    pub fn new(hostname: impl Into<String>, port: u16, username: impl Into<String>) -> Self {
        Self {
            hostname: hostname.into(),
            port,
            username: username.into(),
            region: None,
            clock: Clock::system(),
        }
    }

    /// Signs for `region` instead of the configuration's.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Signs with `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock tokens are signed with.
    #[must_use]
    pub fn signing_clock(&self) -> &Clock {
        &self.clock
    }

    /// A token signed now (by the generator's clock).
    ///
    /// # Errors
    ///
    /// [`Error::Token`] when there are no credentials or no region, or signing fails.
    pub async fn generate(&self, config: &SdkConfig) -> Result<Token, Error> {
        let signed_at = self.clock.now();
        let region = self
            .region
            .clone()
            .or_else(|| config.region().map(ToString::to_string))
            .ok_or_else(|| Error::Token {
                reason: "no region: set AWS_REGION or the generator's region".into(),
                transient: false,
                source: None,
            })?;
        // The SDK puts the user name into the URL as it is; botocore percent-encodes it. Encoding
        // it here makes users with spaces, `&` or non-ASCII characters sign and read the same.
        let username = utf8_percent_encode(&self.username, QUERY_VALUE).to_string();
        let generator = AuthTokenGenerator::new(
            Config::builder()
                .hostname(&self.hostname)
                .port(u64::from(self.port))
                .username(username)
                .region(aws_sdk_rds::config::Region::new(region))
                .build()
                .map_err(|e| Error::Token {
                    reason: "the token's settings are invalid".into(),
                    transient: false,
                    source: Some(e),
                })?,
        );
        let config = config
            .to_builder()
            .time_source(SharedTimeSource::new(FixedAt(signed_at)))
            .build();
        let token = generator.auth_token(&config).await.map_err(|e| {
            let kind = updraft_core::aws::credentials_failure_kind(&*e);
            // Signing needs nothing but credentials (the settings were checked above).
            Error::Token {
                reason: "no usable credentials to sign it with".into(),
                transient: kind.is_some_and(updraft_core::Kind::is_transient),
                source: Some(e),
            }
        })?;
        Ok(Token {
            value: SecretString::from(signature_last(token.as_str())),
            signed_at,
        })
    }
}

/// The token with `X-Amz-Signature` as its last parameter, where botocore puts it (the SDK
/// appends `X-Amz-Security-Token` after it). The order is not signed, so the signature stands.
fn signature_last(token: &str) -> String {
    let Some((address, query)) = token.split_once('?') else {
        return token.to_owned();
    };
    let (signature, rest): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .partition(|p| p.starts_with("X-Amz-Signature="));
    let mut reordered = String::with_capacity(token.len());
    reordered.push_str(address);
    reordered.push('?');
    reordered.push_str(
        &rest
            .into_iter()
            .chain(signature)
            .collect::<Vec<_>>()
            .join("&"),
    );
    reordered
}

/// The instant one token is signed at, so `signed_at` is exactly the signing time.
#[derive(Debug)]
struct FixedAt(SystemTime);

impl TimeSource for FixedAt {
    fn now(&self) -> SystemTime {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_moves_last_and_nothing_else_changes() {
        assert_eq!(
            signature_last("h:1/?A=1&X-Amz-Signature=s&X-Amz-Security-Token=t"),
            "h:1/?A=1&X-Amz-Security-Token=t&X-Amz-Signature=s"
        );
        assert_eq!(
            signature_last("h:1/?A=1&X-Amz-Signature=s"),
            "h:1/?A=1&X-Amz-Signature=s"
        );
        assert_eq!(signature_last("no-query"), "no-query");
    }
}
