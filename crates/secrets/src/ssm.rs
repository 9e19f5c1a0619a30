//! [`Ssm`]: SSM Parameter Store, the default provider.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_ssm::types::Parameter;
use updraft_core::SdkConfig;
use updraft_core::aws::AwsError;

use futures_util::future::BoxFuture;

use crate::provider::{Batched, split_batches};
use crate::{Error, Provider, Request, Secret, Version};

/// The most names one GetParameters call takes.
pub const GET_PARAMETERS_MAX: usize = 10;

/// The prefix under which SSM reads Secrets Manager secrets.
pub const SECRETS_MANAGER_REFERENCE: &str = "/aws/reference/secretsmanager/";

/// SSM Parameter Store. Every read decrypts `SecureString` parameters (the role needs
/// `ssm:GetParameter`, `ssm:GetParameters`, `ssm:GetParametersByPath` as used, and
/// `kms:Decrypt` on the key). A name under `/aws/reference/secretsmanager/` reads that Secrets
/// Manager secret through SSM.
///
/// Versions: [`Request::version_id`] is the parameter version, [`Request::stage`] a label.
#[derive(Debug, Clone)]
pub struct Ssm {
    client: aws_sdk_ssm::Client,
    calls: Arc<AtomicU64>,
}

impl Ssm {
    /// SSM through the clients of `config`.
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_ssm, config),
            calls: Arc::default(),
        }
    }

    /// How many SSM calls this provider (and its clones) has made.
    #[must_use]
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Every parameter under `path` (`/app/prod/`), following every page; with `recursive`, the
    /// whole tree below it, else one level.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`] when a call fails.
    pub async fn get_by_path(&self, path: &str, recursive: bool) -> Result<Vec<Secret>, Error> {
        let mut pages = self
            .client
            .get_parameters_by_path()
            .path(path)
            .recursive(recursive)
            .with_decryption(true)
            .into_paginator()
            .send();
        let mut secrets = Vec::new();
        while let Some(page) = pages.next().await {
            self.calls.fetch_add(1, Ordering::Relaxed);
            let page = page.map_err(|e| AwsError::from_sdk("ssm", "GetParametersByPath", e))?;
            secrets.extend(page.parameters.unwrap_or_default().into_iter().map(secret));
        }
        Ok(secrets)
    }

    async fn get_parameters(&self, requests: &[&Request]) -> Vec<Result<Secret, Error>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let names: Vec<String> = requests.iter().map(|r| selector_name(r)).collect();
        let out = match self
            .client
            .get_parameters()
            .set_names(Some(names.clone()))
            .with_decryption(true)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let error = Error::from(AwsError::from_sdk("ssm", "GetParameters", e));
                return requests.iter().map(|_| Err(error.clone())).collect();
            }
        };
        let invalid = out.invalid_parameters.unwrap_or_default();
        let mut found: HashMap<String, Parameter> = HashMap::new();
        for parameter in out.parameters.unwrap_or_default() {
            let name = parameter.name.clone().unwrap_or_default();
            let selected = format!(
                "{name}{}",
                parameter.selector.as_deref().unwrap_or_default()
            );
            found.insert(selected, parameter);
        }
        let mut results = Vec::with_capacity(requests.len());
        for (request, name) in requests.iter().zip(&names) {
            let result = if let Some(parameter) = found.remove(name) {
                Ok(secret(parameter))
            } else if invalid.contains(name) {
                Err(Error::NotFound {
                    provider: "ssm",
                    name: name.clone(),
                })
            } else {
                // An answer that names neither (an ARN, say): ask for it alone.
                self.fetch(request).await
            };
            results.push(result);
        }
        results
    }
}

impl Provider for Ssm {
    fn provider_name(&self) -> &'static str {
        "ssm"
    }

    async fn fetch(&self, request: &Request) -> Result<Secret, Error> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let name = selector_name(request);
        match self
            .client
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(out) => out.parameter.map(secret).ok_or_else(|| Error::NotFound {
                provider: "ssm",
                name,
            }),
            Err(e) => {
                let error = AwsError::from_sdk("ssm", "GetParameter", e);
                if crate::error::is_missing(error.code()) {
                    Err(Error::NotFound {
                        provider: "ssm",
                        name,
                    })
                } else {
                    Err(error.into())
                }
            }
        }
    }

    /// GetParameters, ten names per call, a few calls at once; `/aws/reference/…` names are
    /// read one by one, as SSM wants.
    async fn fetch_many(&self, requests: &[Request]) -> Vec<Result<Secret, Error>> {
        split_batches(self, requests).await
    }
}

impl Batched for Ssm {
    const MAX: usize = GET_PARAMETERS_MAX;

    fn batchable(request: &Request) -> bool {
        !request.name().starts_with(SECRETS_MANAGER_REFERENCE)
    }

    fn batch<'a>(
        &'a self,
        requests: Vec<&'a Request>,
    ) -> BoxFuture<'a, Vec<Result<Secret, Error>>> {
        Box::pin(async move { self.get_parameters(&requests).await })
    }
}

/// The name SSM reads a request under: `name`, `name:3` or `name:label`.
fn selector_name(request: &Request) -> String {
    match request.version() {
        None => request.name().to_owned(),
        Some(Version::Id(id) | Version::Stage(id)) => format!("{}:{id}", request.name()),
    }
}

fn secret(parameter: Parameter) -> Secret {
    let name = parameter.name.unwrap_or_default();
    let version = Some(parameter.version.to_string());
    Secret::from_text(name, parameter.value.unwrap_or_default()).with_version(version)
}
