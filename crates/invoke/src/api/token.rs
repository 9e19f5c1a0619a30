//! The bearer token of inter-service calls: `INTER_SERVICE_TOKEN`, else `AUTH_BYPASS_TOKEN`,
//! either of which may be a secret reference resolved once, on the first call.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
#[cfg(feature = "secrets")]
use tokio::sync::OnceCell;
use updraft_core::Env;

use crate::Error;

/// The variable read first for the bearer token.
pub const TOKEN_VAR: &str = "INTER_SERVICE_TOKEN";
/// The variable read when [`TOKEN_VAR`] is unset.
pub const FALLBACK_TOKEN_VAR: &str = "AUTH_BYPASS_TOKEN";

/// Where the token comes from. `Debug` never shows it.
pub(crate) enum TokenSource {
    /// No `Authorization` header.
    None,
    /// A token given in code or read from a variable.
    Value(SecretString),
    /// A `secret://`, `ssm://` or `secretsmanager://` reference in `variable`, resolved on
    /// first use.
    #[cfg(feature = "secrets")]
    Reference {
        variable: &'static str,
        reference: String,
        /// The AWS configuration to read it with; `aws::load()` when `None`.
        config: Option<Box<updraft_core::SdkConfig>>,
        resolved: OnceCell<SecretString>,
    },
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::None => f.write_str("None"),
            TokenSource::Value(_) => f.write_str("Value([redacted])"),
            #[cfg(feature = "secrets")]
            TokenSource::Reference {
                variable,
                reference,
                ..
            } => write!(f, "Reference({variable} = {reference})"),
        }
    }
}

/// The schemes of secret references.
const SCHEMES: [&str; 3] = ["secret://", "ssm://", "secretsmanager://"];

fn is_reference(value: &str) -> bool {
    let value = value.trim_start();
    SCHEMES.iter().any(|scheme| {
        value
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    })
}

impl TokenSource {
    /// The token of `env`: [`TOKEN_VAR`], else [`FALLBACK_TOKEN_VAR`], else none.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        let Some((variable, value)) = [TOKEN_VAR, FALLBACK_TOKEN_VAR]
            .into_iter()
            .find_map(|name| env.non_empty(name).map(|value| (name, value.trim())))
        else {
            return Ok(TokenSource::None);
        };
        if !is_reference(value) {
            return Self::value(variable, value);
        }
        #[cfg(feature = "secrets")]
        {
            Ok(TokenSource::Reference {
                variable,
                reference: value.to_owned(),
                config: None,
                resolved: OnceCell::new(),
            })
        }
        #[cfg(not(feature = "secrets"))]
        {
            Err(updraft_core::Error::invalid_var(
                variable,
                "a secret reference needs updraft-invoke's `secrets` feature",
            )
            .into())
        }
    }

    /// Reads a secret reference with `config` instead of the configuration `aws::load()`
    /// finds.
    #[cfg(feature = "secrets")]
    pub(crate) fn resolve_with(&mut self, given: &updraft_core::SdkConfig) {
        if let TokenSource::Reference { config, .. } = self {
            *config = Some(Box::new(given.clone()));
        }
    }

    /// A literal token from `variable` (or code), checked to fit in a header.
    pub(crate) fn value(variable: &str, value: &str) -> Result<Self, Error> {
        if !valid(value) {
            return Err(updraft_core::Error::invalid_var(
                variable,
                "a bearer token is visible ASCII without spaces",
            )
            .into());
        }
        Ok(TokenSource::Value(SecretString::from(value.to_owned())))
    }

    /// The token, resolving a reference on the first call.
    pub(crate) async fn get(&self) -> Result<Option<&SecretString>, Error> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::Value(token) => Ok(Some(token)),
            #[cfg(feature = "secrets")]
            TokenSource::Reference {
                variable,
                reference,
                resolved,
                ..
            } => resolved
                .get_or_try_init(|| self.resolve(variable, reference))
                .await
                .map(Some),
        }
    }
}

fn valid(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(feature = "secrets")]
impl TokenSource {
    async fn resolve(
        &self,
        variable: &'static str,
        reference: &str,
    ) -> Result<SecretString, Error> {
        let given = match self {
            TokenSource::Reference { config, .. } => config.clone(),
            _ => None,
        };
        let config = match given {
            Some(config) => *config,
            None => updraft_core::aws::load().await?,
        };
        resolve(&config, variable, reference).await
    }
}

#[cfg(feature = "secrets")]
async fn resolve(
    config: &updraft_core::SdkConfig,
    variable: &'static str,
    reference: &str,
) -> Result<SecretString, Error> {
    let failed = |reason: String| Error::from(updraft_core::Error::invalid_var(variable, reason));
    let resolved = updraft_secrets::Resolver::new(config)
        .resolve(&Env::from_pairs([(variable, reference)]))
        .await
        .map_err(|e| failed(format!("the secret reference does not resolve: {e}")))?;
    let secret = resolved
        .require(variable)
        .map_err(|e| failed(e.to_string()))?;
    let token = secret.expose().map_err(|e| failed(e.to_string()))?.trim();
    if !valid(token) {
        return Err(failed(
            "the secret is not a bearer token (visible ASCII without spaces)".into(),
        ));
    }
    Ok(SecretString::from(token.to_owned()))
}

/// The value of an `Authorization` header for `token`.
pub(crate) fn header(token: &SecretString) -> Result<http::HeaderValue, Error> {
    let mut value = http::HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
        .map_err(|_| {
            Error::from(updraft_core::Error::invalid_var(
                TOKEN_VAR,
                "the bearer token does not fit in a header",
            ))
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_variable_wins_and_debug_never_shows_the_token() {
        let env = Env::from_pairs([(TOKEN_VAR, "s3cr3t"), (FALLBACK_TOKEN_VAR, "other")]);
        let source = TokenSource::from_env(&env).unwrap();
        assert_eq!(format!("{source:?}"), "Value([redacted])");
        let token = source.get().await.unwrap().unwrap();
        assert_eq!(token.expose_secret(), "s3cr3t");
        let value = header(token).unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("s3cr3t"));
        let fallback =
            TokenSource::from_env(&Env::from_pairs([(FALLBACK_TOKEN_VAR, "b")])).unwrap();
        assert_eq!(fallback.get().await.unwrap().unwrap().expose_secret(), "b");
        let none = TokenSource::from_env(&Env::from_pairs([(TOKEN_VAR, " ")])).unwrap();
        assert!(none.get().await.unwrap().is_none());
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_echoing_it() {
        for bad in ["two words", "tab\tbed", "naïve", "line\nbreak"] {
            let error = TokenSource::from_env(&Env::from_pairs([(TOKEN_VAR, bad)])).unwrap_err();
            let text = error.to_string();
            assert!(text.contains(TOKEN_VAR) && !text.contains(bad), "{text}");
        }
    }

    #[test]
    fn references_are_recognised_in_any_case() {
        assert!(is_reference("secret://inter-service/token"));
        assert!(is_reference("SSM:///app/token"));
        assert!(is_reference("secretsmanager://app#token"));
        assert!(!is_reference("secretive"));
        #[cfg(feature = "secrets")]
        let source =
            TokenSource::from_env(&Env::from_pairs([(TOKEN_VAR, "ssm:///app/token")])).unwrap();
        #[cfg(feature = "secrets")]
        assert_eq!(
            format!("{source:?}"),
            "Reference(INTER_SERVICE_TOKEN = ssm:///app/token)"
        );
        #[cfg(not(feature = "secrets"))]
        assert!(
            TokenSource::from_env(&Env::from_pairs([(TOKEN_VAR, "ssm:///app/token")]))
                .unwrap_err()
                .to_string()
                .contains("`secrets` feature")
        );
    }
}
