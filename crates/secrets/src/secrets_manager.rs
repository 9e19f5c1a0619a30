//! [`SecretsManager`]: AWS Secrets Manager.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_secretsmanager::primitives::Blob;
use updraft_core::SdkConfig;
use updraft_core::aws::AwsError;

use futures_util::future::BoxFuture;

use crate::provider::{Batched, split_batches};
use crate::{Error, Provider, Request, Secret, Version};

/// The most secrets one BatchGetSecretValue call takes.
pub const BATCH_MAX: usize = 20;

/// AWS Secrets Manager, by name or ARN, at the current version or a version id or staging
/// label. The role needs `secretsmanager:GetSecretValue` (and, for [`Provider::get_many`],
/// `secretsmanager:BatchGetSecretValue`), plus `kms:Decrypt` on a customer-managed key.
#[derive(Debug, Clone)]
pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
    calls: Arc<AtomicU64>,
}

impl SecretsManager {
    /// Secrets Manager through the clients of `config`.
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_secretsmanager, config),
            calls: Arc::default(),
        }
    }

    /// How many Secrets Manager calls this provider (and its clones) has made.
    #[must_use]
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// One BatchGetSecretValue call for current versions; ids the answer does not account
    /// for are read one by one.
    async fn batch_get(&self, requests: &[&Request]) -> Vec<Result<Secret, Error>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let ids: Vec<String> = requests.iter().map(|r| r.name().to_owned()).collect();
        let out = match self
            .client
            .batch_get_secret_value()
            .set_secret_id_list(Some(ids))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let error = Error::from(AwsError::from_sdk(
                    "secretsmanager",
                    "BatchGetSecretValue",
                    e,
                ));
                return requests.iter().map(|_| Err(error.clone())).collect();
            }
        };
        let mut values = out.secret_values.unwrap_or_default();
        let errors = out.errors.unwrap_or_default();
        let mut results = Vec::with_capacity(requests.len());
        for request in requests {
            let id = request.name();
            let position = values
                .iter()
                .position(|v| v.name.as_deref() == Some(id) || v.arn.as_deref() == Some(id));
            let result = if let Some(position) = position {
                let entry = values.swap_remove(position);
                Ok(secret(
                    entry.name.unwrap_or_default(),
                    entry.secret_string,
                    entry.secret_binary,
                    entry.version_id,
                ))
            } else if let Some(error) = errors.iter().find(|e| e.secret_id.as_deref() == Some(id)) {
                Err(entry_error(
                    id,
                    error.error_code.as_deref(),
                    error.message.as_deref(),
                ))
            } else {
                self.fetch(request).await
            };
            results.push(result);
        }
        results
    }
}

impl Provider for SecretsManager {
    fn provider_name(&self) -> &'static str {
        "secretsmanager"
    }

    async fn fetch(&self, request: &Request) -> Result<Secret, Error> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut call = self.client.get_secret_value().secret_id(request.name());
        call = match request.version() {
            None => call,
            Some(Version::Id(id)) => call.version_id(id),
            Some(Version::Stage(stage)) => call.version_stage(stage),
        };
        match call.send().await {
            Ok(out) => Ok(secret(
                out.name.unwrap_or_else(|| request.name().to_owned()),
                out.secret_string,
                out.secret_binary,
                out.version_id,
            )),
            Err(e) => {
                let error = AwsError::from_sdk("secretsmanager", "GetSecretValue", e);
                if crate::error::is_missing(error.code()) {
                    Err(Error::NotFound {
                        provider: "secretsmanager",
                        name: request.to_string(),
                    })
                } else {
                    Err(error.into())
                }
            }
        }
    }

    /// BatchGetSecretValue, twenty ids per call, a few calls at once, for current versions;
    /// reads of a particular version go one by one.
    async fn fetch_many(&self, requests: &[Request]) -> Vec<Result<Secret, Error>> {
        split_batches(self, requests).await
    }
}

impl Batched for SecretsManager {
    const MAX: usize = BATCH_MAX;

    fn batchable(request: &Request) -> bool {
        request.version().is_none()
    }

    fn batch<'a>(
        &'a self,
        requests: Vec<&'a Request>,
    ) -> BoxFuture<'a, Vec<Result<Secret, Error>>> {
        Box::pin(async move { self.batch_get(&requests).await })
    }
}

fn secret(
    name: String,
    text: Option<String>,
    binary: Option<Blob>,
    version: Option<String>,
) -> Secret {
    match (text, binary) {
        (Some(text), _) => Secret::from_text(name, text),
        (None, Some(bytes)) => Secret::from_bytes(name, bytes.into_inner()),
        (None, None) => Secret::from_text(name, String::new()),
    }
    .with_version(version)
}

fn entry_error(id: &str, code: Option<&str>, message: Option<&str>) -> Error {
    let code = code.unwrap_or("UnknownError");
    if crate::error::is_missing(Some(code)) {
        return Error::NotFound {
            provider: "secretsmanager",
            name: id.to_owned(),
        };
    }
    Error::Service {
        provider: "secretsmanager",
        name: id.to_owned(),
        code: code.to_owned(),
        message: message.unwrap_or_default().to_owned(),
    }
}
