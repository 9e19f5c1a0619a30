//! Loading the AWS SDK configuration every Updraft client is built from.
//!
//! [`load`] (or [`ConfigLoader`] for settings in code) returns the SDK's own
//! [`SdkConfig`], ready for `aws_sdk_*::Client::new(&config)`. It:
//!
//! - uses the SDK's standard credential chain: environment, profile (including SSO and
//!   `credential_process`), web identity, the ECS container endpoint and EC2 IMDS;
//! - takes the region from `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile, and fails
//!   with [`Error::MissingRegion`] rather than probing instance metadata for a second;
//! - honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`, checking every one of them
//!   up front (see [`endpoints`]);
//! - applies Updraft's tighter timeouts and retry defaults (see [`settings`]).
//!
//! All of it is read from an [`Env`] snapshot, so the values of a `.env` file count without
//! ever being written into the process environment. Build the config once, at cold start, and
//! share it: clients built from it are cheap to clone.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), updraft_core::Error> {
//! use std::time::Duration;
//!
//! // Everything from the environment (and ./.env):
//! let config = updraft_core::aws::load().await?;
//!
//! // Or with settings in code, which win over the environment:
//! let config = updraft_core::aws::ConfigLoader::new()
//!     .region("eu-west-1")
//!     .read_timeout(Duration::from_secs(5))
//!     .max_attempts(5)
//!     .load()
//!     .await?;
//! # let _ = config;
//! # Ok(()) }
//! ```

// Over 400 lines with its tests; the code is about 290 lines.

/// The retry policy; it lives at [`crate::backoff`] and needs no AWS crate.
pub use crate::backoff;
pub mod endpoints;
mod sdk_error;
pub mod settings;
mod trace;

pub(crate) use sdk_error::credentials_error;
pub use sdk_error::{AwsError, credentials_failure_kind};
pub use trace::TraceInterceptor;

use std::time::Duration;

pub use aws_credential_types::Credentials;
pub use aws_credential_types::provider::ProvideCredentials;
pub use aws_credential_types::provider::error::CredentialsError;
pub use aws_smithy_types::retry::{RetryConfig, RetryMode};
pub use aws_smithy_types::timeout::TimeoutConfig;
pub use aws_types::region::Region;

use aws_config::BehaviorVersion;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::app_name::AppName;

use crate::{Env, Error};
use settings::{Limit, Overrides};

/// Loads the AWS configuration from the environment and `./.env`.
///
/// # Errors
///
/// - [`Error::MissingRegion`] when no region is configured;
/// - [`Error::InvalidVar`] naming the variable when a region, endpoint, timeout or retry
///   setting is malformed;
/// - [`Error::DotEnv`] when `./.env` exists but is malformed.
pub async fn load() -> Result<SdkConfig, Error> {
    ConfigLoader::new().load().await
}

/// Builds an [`SdkConfig`] from settings in code, then the environment, then defaults.
#[derive(Debug, Default)]
#[must_use]
pub struct ConfigLoader {
    env: Option<Env>,
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    overrides: Overrides,
    credentials: Option<SharedCredentialsProvider>,
    app_name: Option<String>,
}

impl ConfigLoader {
    /// A loader that reads the process environment and `./.env`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the variables from `env` instead of the process environment and `./.env`.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Sets the region, overriding `AWS_REGION` and the profile.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the profile to read from the shared config files, overriding `AWS_PROFILE`. As
    /// with the AWS CLI's `--profile`, a profile named in code also supplies the credentials,
    /// ahead of `AWS_ACCESS_KEY_ID` in the environment.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Sends every service to `url`, overriding all `AWS_ENDPOINT_URL*` variables.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sets the connect timeout, overriding `UPDRAFT_CONNECT_TIMEOUT`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.connect = Limit::Set(timeout);
        self
    }

    /// Sets the time allowed until the first response byte, overriding `UPDRAFT_READ_TIMEOUT`.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.read = Limit::Set(timeout);
        self
    }

    /// Sets the limit on one attempt, overriding `UPDRAFT_ATTEMPT_TIMEOUT`.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.attempt = Limit::Set(timeout);
        self
    }

    /// Sets the limit on a whole call with its retries, overriding `UPDRAFT_OPERATION_TIMEOUT`.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.operation = Limit::Set(timeout);
        self
    }

    /// Sets the number of attempts per call (at least 1), overriding `AWS_MAX_ATTEMPTS`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.overrides.max_attempts = Some(attempts);
        self
    }

    /// Sets the retry mode, overriding `AWS_RETRY_MODE`.
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.overrides.retry_mode = Some(mode);
        self
    }

    /// Uses `provider` instead of the standard credential chain.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// Adds `name` to the user agent of every call, to tell services apart in CloudTrail.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Loads the configuration.
    ///
    /// # Errors
    ///
    /// See [`load`]; also [`Error::InvalidVar`] for a malformed endpoint URL or app name given
    /// in code, and [`Error::MissingVar`] when `AWS_ACCESS_KEY_ID` is set without
    /// `AWS_SECRET_ACCESS_KEY`.
    pub async fn load(self) -> Result<SdkConfig, Error> {
        let env = match self.env {
            Some(env) => env,
            None => Env::load()?,
        };
        let (timeouts, retry) = settings::resolve(&env, &self.overrides)?;
        let ignore_endpoints = endpoints::validate(&env)?;
        let explicit_profile = self.profile.clone();
        let profile = self
            .profile
            .or_else(|| env.non_empty("AWS_PROFILE").map(str::to_owned))
            .or_else(|| env.non_empty("AWS_DEFAULT_PROFILE").map(str::to_owned));
        let region = resolve_region(self.region, &env, profile.as_deref()).await?;

        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region)
            .timeout_config(timeouts)
            .retry_config(retry);
        if let Some(profile) = &profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = self.endpoint_url {
            endpoints::check_url(&url)
                .map_err(|reason| Error::invalid_var("endpoint_url", reason))?;
            loader = loader.endpoint_url(url.trim());
        }
        if let Some(provider) = self.credentials {
            loader = loader.credentials_provider(provider);
        } else if let Some(profile) = explicit_profile {
            loader = loader.credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(profile)
                    .build(),
            );
        } else if let Some(credentials) = static_credentials(&env)? {
            loader = loader.credentials_provider(credentials);
        }
        if let Some(name) = self.app_name {
            let name = AppName::new(name.clone())
                .map_err(|e| Error::invalid_var("app_name", format!("`{name}`: {e}")))?;
            loader = loader.app_name(name);
        }

        let base = loader.load().await;
        tracing::debug!(
            region = ?base.region(),
            endpoint_overrides = env.names_with_prefix(endpoints::ENDPOINT_URL).count(),
            "loaded the AWS configuration"
        );
        Ok(base
            .to_builder()
            .service_config(endpoints::EnvOverlay {
                env,
                ignore_endpoints,
                base: base.clone(),
            })
            .build())
    }
}

async fn resolve_region(
    code: Option<String>,
    env: &Env,
    profile: Option<&str>,
) -> Result<Region, Error> {
    let (origin, name) = if let Some(region) = code {
        ("region".to_owned(), region)
    } else if let Some(region) = env.non_empty("AWS_REGION") {
        ("AWS_REGION".to_owned(), region.to_owned())
    } else if let Some(region) = env.non_empty("AWS_DEFAULT_REGION") {
        ("AWS_DEFAULT_REGION".to_owned(), region.to_owned())
    } else {
        let mut provider = ProfileFileRegionProvider::builder();
        if let Some(profile) = profile {
            provider = provider.profile_name(profile);
        }
        let region = provider
            .build()
            .region()
            .await
            .ok_or_else(|| Error::MissingRegion {
                profile: profile.map(str::to_owned),
            })?;
        ("the profile's region".to_owned(), region.to_string())
    };
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(Region::new(name.to_owned()))
    } else {
        Err(Error::invalid_var(
            origin,
            format!("`{name}` is not a region name such as eu-west-1"),
        ))
    }
}

/// Whether the shared config or credentials files (`~/.aws/config`, `~/.aws/credentials`, or
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`) define profile `name`. Missing files
/// define none.
///
/// # Errors
///
/// [`Error::InvalidVar`] naming `AWS_CONFIG_FILE` when a file exists and does not parse.
pub async fn profile_exists(name: &str) -> Result<bool, Error> {
    let profiles = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        None,
    )
    .await
    .map_err(|e| {
        Error::invalid_var(
            "AWS_CONFIG_FILE",
            format!("the shared AWS config files do not parse: {e}"),
        )
    })?;
    Ok(profiles.get_profile(name).is_some())
}

fn static_credentials(env: &Env) -> Result<Option<Credentials>, Error> {
    let Some(key) = env.non_empty("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let secret = env.require("AWS_SECRET_ACCESS_KEY")?;
    let token = env
        .non_empty("AWS_SESSION_TOKEN")
        .or_else(|| env.non_empty("AWS_SECURITY_TOKEN"))
        .map(str::to_owned);
    Ok(Some(Credentials::new(
        key,
        secret,
        token,
        None,
        "updraft-env",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[tokio::test]
    async fn region_comes_from_aws_region_then_aws_default_region() {
        let region = resolve_region(
            None,
            &env(&[
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "us-east-1"),
            ]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(region.as_ref(), "eu-west-1");
        let region = resolve_region(None, &env(&[("AWS_DEFAULT_REGION", "us-east-1")]), None)
            .await
            .unwrap();
        assert_eq!(region.as_ref(), "us-east-1");
        let region = resolve_region(
            Some("ap-south-1".into()),
            &env(&[("AWS_REGION", "eu-west-1")]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(region.as_ref(), "ap-south-1");
    }

    #[tokio::test]
    async fn malformed_region_names_its_variable() {
        let err = resolve_region(None, &env(&[("AWS_REGION", "EU West 1")]), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidVar { name, .. } if name == "AWS_REGION"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn loads_a_complete_config_from_the_env() {
        let config = ConfigLoader::new()
            .env(env(&[
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-never-shown"),
                ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4566"),
                ("UPDRAFT_READ_TIMEOUT", "2s"),
            ]))
            .load()
            .await
            .unwrap();
        assert_eq!(config.region().map(Region::as_ref), Some("eu-west-1"));
        assert_eq!(
            config
                .timeout_config()
                .and_then(TimeoutConfig::read_timeout),
            Some(Duration::from_secs(2))
        );
        let credentials = config
            .credentials_provider()
            .unwrap()
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert!(!format!("{credentials:?}").contains("never-shown"));
    }

    #[tokio::test]
    async fn a_missing_region_is_a_typed_error_naming_the_variables() {
        let err = ConfigLoader::new()
            .env(env(&[]))
            .profile("updraft-test-profile-that-does-not-exist")
            .load()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::MissingRegion { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("AWS_REGION") && message.contains("AWS_DEFAULT_REGION"),
            "{message}"
        );
        assert_eq!(crate::Surface::kind(&err), crate::Kind::Config);
    }

    #[tokio::test]
    async fn an_access_key_without_its_secret_is_a_typed_error() {
        let err = ConfigLoader::new()
            .env(env(&[
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ACCESS_KEY_ID", "AKID"),
            ]))
            .load()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::MissingVar { name } if name == "AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_malformed_code_endpoint_is_a_typed_error() {
        let err = ConfigLoader::new()
            .env(env(&[("AWS_REGION", "eu-west-1")]))
            .endpoint_url("127.0.0.1:4566")
            .load()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidVar { .. }), "{err}");
    }
}
