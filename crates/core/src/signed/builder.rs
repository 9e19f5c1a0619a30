//! [`SignedClientBuilder`]: the client's endpoint (given, configured as the SDK clients find
//! theirs, or the service's default), region, credentials, timeouts and connector.

use std::sync::Arc;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::http::HttpConnectorSettings;
use aws_smithy_types::retry::RetryConfig;
use aws_types::SdkConfig;

use super::credentials::CredentialsCache;
use super::{Inner, SignedClient};
use crate::Error;
use crate::aws::endpoints;

/// Settings for a [`SignedClient`] beyond those of the [`SdkConfig`].
#[derive(Debug)]
#[must_use]
pub struct SignedClientBuilder {
    config: SdkConfig,
    service: String,
    service_id: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    unsigned: bool,
}

impl SignedClientBuilder {
    pub(super) fn new(config: &SdkConfig, service: String) -> Self {
        Self {
            config: config.clone(),
            service,
            service_id: None,
            endpoint: None,
            region: None,
            unsigned: false,
        }
    }

    /// Sends requests to `url` (which may carry a base path, such as an API stage).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The SDK service id used to find `AWS_ENDPOINT_URL_<SERVICE ID>`, when it differs from
    /// the signing name (for example `Secrets Manager` for `secretsmanager`).
    pub fn service_id(mut self, service_id: impl Into<String>) -> Self {
        self.service_id = Some(service_id.into());
        self
    }

    /// Sends requests without a signature, for endpoints that authenticate another way, such
    /// as the AWS Parameters and Secrets Lambda Extension on localhost (a token header). The
    /// timeouts, retries and error handling stay; no credentials are needed.
    pub fn unsigned(mut self) -> Self {
        self.unsigned = true;
        self
    }

    /// Signs for `region` instead of the configuration's region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// - [`Error::MissingRegion`] when neither the builder nor the configuration has a region;
    /// - [`Error::InvalidRequest`] when the endpoint is not an http(s) URL;
    /// - [`Error::Credentials`] when the configuration has no credentials provider.
    pub fn build(self) -> Result<SignedClient, Error> {
        let config = &self.config;
        let region = self
            .region
            .or_else(|| config.region().map(ToString::to_string))
            .ok_or(Error::MissingRegion { profile: None })?;
        let service_id = self
            .service_id
            .unwrap_or_else(|| self.service.to_uppercase().replace('-', "_"));
        let endpoint = self
            .endpoint
            .or_else(|| endpoints::configured_endpoint(config, &service_id))
            .unwrap_or_else(|| default_endpoint(&self.service, &region));
        let endpoint = endpoints::check_url(&endpoint).map_err(|reason| Error::InvalidRequest {
            service: self.service.clone(),
            reason,
        })?;
        let credentials = if self.unsigned {
            None
        } else {
            let provider = config.credentials_provider().ok_or_else(|| {
                crate::aws::credentials_error(CredentialsError::not_loaded(
                    "the configuration has no credentials provider",
                ))
            })?;
            Some(CredentialsCache::new(provider))
        };
        let timeouts = config
            .timeout_config()
            .cloned()
            .unwrap_or_else(|| aws_smithy_types::timeout::TimeoutConfig::builder().build());
        let mut settings = HttpConnectorSettings::builder();
        settings
            .set_connect_timeout(timeouts.connect_timeout())
            .set_read_timeout(timeouts.read_timeout());
        let connector =
            aws_smithy_http_client::default_connector(&settings.build(), config.sleep_impl())
                .ok_or_else(|| Error::InvalidRequest {
                    service: self.service.clone(),
                    reason: "no HTTP connector is available".into(),
                })?;
        Ok(SignedClient {
            inner: Arc::new(Inner {
                retry: config
                    .retry_config()
                    .cloned()
                    .unwrap_or_else(RetryConfig::standard),
                attempt_timeout: timeouts.operation_attempt_timeout(),
                operation_timeout: timeouts.operation_timeout(),
                service: self.service,
                region,
                endpoint,
                credentials,
                connector,
            }),
        })
    }
}

fn default_endpoint(service: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{service}.{region}.{suffix}")
}
