//! [`Extension`]: reads through the AWS Parameters and Secrets Lambda Extension, which caches
//! in the execution environment and answers on `localhost`.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde::Deserialize;
use updraft_core::signed::SignedClient;
use updraft_core::{Env, SdkConfig};

use crate::{Error, Provider, Request, Secret, Version};

/// The variable with the extension's port (default [`DEFAULT_PORT`]).
pub const PORT_VAR: &str = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";
/// The extension's default port.
pub const DEFAULT_PORT: u16 = 2773;
/// The header that carries the function's session token to the extension.
pub const TOKEN_HEADER: &str = "x-aws-parameters-secrets-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Ssm,
    SecretsManager,
}

/// The Parameters and Secrets Lambda Extension, for SSM parameters or for Secrets Manager
/// secrets. Add the extension's layer to the function; it authenticates each request with the
/// function's `AWS_SESSION_TOKEN`.
#[derive(Clone)]
pub struct Extension {
    client: SignedClient,
    token: HeaderValue,
    service: Service,
}

impl std::fmt::Debug for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extension")
            .field("endpoint", self.client.endpoint())
            .field("service", &self.service)
            .field("token", &crate::REDACTED)
            .finish()
    }
}

impl Extension {
    /// SSM parameters through the extension.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when `AWS_SESSION_TOKEN` is unset or the port variable is malformed.
    pub fn ssm(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        Self::new(config, env, Service::Ssm)
    }

    /// Secrets Manager secrets through the extension.
    ///
    /// # Errors
    ///
    /// See [`Extension::ssm`].
    pub fn secrets_manager(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        Self::new(config, env, Service::SecretsManager)
    }

    fn new(config: &SdkConfig, env: &Env, service: Service) -> Result<Self, Error> {
        let port = env
            .parse::<u16>(PORT_VAR)
            .map_err(|e| Error::Invalid(e.to_string()))?
            .unwrap_or(DEFAULT_PORT);
        Self::at(config, &format!("http://localhost:{port}"), env, service)
    }

    fn at(config: &SdkConfig, endpoint: &str, env: &Env, service: Service) -> Result<Self, Error> {
        let token = env.non_empty("AWS_SESSION_TOKEN").ok_or_else(|| {
            Error::Invalid("the extension needs AWS_SESSION_TOKEN, which Lambda sets".into())
        })?;
        let mut token = HeaderValue::from_str(token)
            .map_err(|_| Error::Invalid("AWS_SESSION_TOKEN is not a valid header value".into()))?;
        token.set_sensitive(true);
        let client = SignedClient::builder(config, "extension")
            .endpoint(endpoint)
            .unsigned()
            .build()
            .map_err(|e| Error::Invalid(format!("the extension client: {e}")))?;
        Ok(Self {
            client,
            token,
            service,
        })
    }

    /// The extension at `endpoint` instead of localhost, for tests against a stand-in.
    ///
    /// # Errors
    ///
    /// See [`Extension::ssm`].
    pub fn ssm_at(config: &SdkConfig, endpoint: &str, env: &Env) -> Result<Self, Error> {
        Self::at(config, endpoint, env, Service::Ssm)
    }

    /// The Secrets Manager side at `endpoint` instead of localhost, for tests.
    ///
    /// # Errors
    ///
    /// See [`Extension::ssm`].
    pub fn secrets_manager_at(
        config: &SdkConfig,
        endpoint: &str,
        env: &Env,
    ) -> Result<Self, Error> {
        Self::at(config, endpoint, env, Service::SecretsManager)
    }

    fn target(&self, request: &Request) -> String {
        let encode =
            |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let name = encode(request.name());
        match (self.service, request.version()) {
            (Service::Ssm, None) => {
                format!("/systemsmanager/parameters/get?name={name}&withDecryption=true")
            }
            (Service::Ssm, Some(Version::Id(id))) => format!(
                "/systemsmanager/parameters/get?name={name}&withDecryption=true&version={}",
                encode(id)
            ),
            (Service::Ssm, Some(Version::Stage(label))) => format!(
                "/systemsmanager/parameters/get?name={name}&withDecryption=true&label={}",
                encode(label)
            ),
            (Service::SecretsManager, None) => format!("/secretsmanager/get?secretId={name}"),
            (Service::SecretsManager, Some(Version::Id(id))) => format!(
                "/secretsmanager/get?secretId={name}&versionId={}",
                encode(id)
            ),
            (Service::SecretsManager, Some(Version::Stage(stage))) => format!(
                "/secretsmanager/get?secretId={name}&versionStage={}",
                encode(stage)
            ),
        }
    }
}

/// The extension's answer for a parameter (GetParameter's).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterAnswer {
    parameter: Parameter,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Parameter {
    name: String,
    value: String,
    #[serde(default)]
    version: Option<i64>,
}

/// The extension's answer for a secret (GetSecretValue's).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SecretAnswer {
    name: String,
    #[serde(default)]
    secret_string: Option<String>,
    #[serde(default)]
    secret_binary: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
}

impl Provider for Extension {
    fn provider_name(&self) -> &'static str {
        "extension"
    }

    async fn fetch(&self, request: &Request) -> Result<Secret, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(TOKEN_HEADER, self.token.clone());
        let answer = match self
            .client
            .send(Method::GET, &self.target(request), headers, Bytes::new())
            .await
        {
            Ok(answer) => answer,
            Err(updraft_core::Error::Service { status: 404, .. }) => {
                return Err(Error::NotFound {
                    provider: "extension",
                    name: request.to_string(),
                });
            }
            Err(updraft_core::Error::Service { code, .. })
                if crate::error::is_missing(code.as_deref()) =>
            {
                return Err(Error::NotFound {
                    provider: "extension",
                    name: request.to_string(),
                });
            }
            Err(e) => return Err(Error::Extension(std::sync::Arc::new(e))),
        };
        let malformed = |_| {
            Error::decode(
                request.name(),
                "the extension's answer is not the JSON it documents",
            )
        };
        match self.service {
            Service::Ssm => {
                let answer: ParameterAnswer =
                    serde_json::from_slice(answer.body()).map_err(malformed)?;
                let Parameter {
                    name,
                    value,
                    version,
                } = answer.parameter;
                Ok(Secret::from_text(name, value).with_version(version.map(|v| v.to_string())))
            }
            Service::SecretsManager => {
                let answer: SecretAnswer =
                    serde_json::from_slice(answer.body()).map_err(malformed)?;
                let secret = match (answer.secret_string, answer.secret_binary) {
                    (Some(text), _) => Secret::from_text(answer.name, text),
                    (None, Some(encoded)) => {
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(encoded.trim())
                            .map_err(|_| {
                                Error::decode(
                                    request.name(),
                                    "the extension's SecretBinary is not base64",
                                )
                            })?;
                        Secret::from_bytes(answer.name, bytes)
                    }
                    (None, None) => Secret::from_text(answer.name, String::new()),
                };
                Ok(secret.with_version(answer.version_id))
            }
        }
    }
}
