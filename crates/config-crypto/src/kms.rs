//! KMS as the closed form uses it: one data key per stage definition, bound to the file and
//! the stage by an encryption context; and fleece's direct `Decrypt` of `:decrypt:` values.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use updraft_core::SdkConfig;
use updraft_core::aws::{self, AwsError};
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::DataKey;
use crate::environment::{Environments, account_of_arn};
use crate::stage::StageDef;

/// The KMS clients of a configuration's stages.
///
/// [`Kms::new`] uses one AWS configuration for every stage (a Lambda function's own role).
/// [`Kms::per_environment`] does what fleece's CLI does: each stage definition's
/// `environment` names an AWS profile, used when the shared config files define it, else the
/// default credential chain. [`Kms::check_accounts`] adds fleece's `environments.yml`: every
/// KMS key a stage uses must then live in its environment's account.
#[derive(Clone)]
pub struct Kms {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    accounts: Option<Environments>,
    /// Per environment (`""` for the default chain): its configuration and client.
    clients: Mutex<HashMap<String, Resolved>>,
}

/// An environment's credentials, resolved once.
#[derive(Clone)]
struct Resolved {
    config: SdkConfig,
    client: aws_sdk_kms::Client,
    /// The AWS profile they come from, when the environment named one.
    profile: Option<String>,
}

/// A SOPS file's data key: the key, its KMS blob, the key's ARN, and the AWS profile whose
/// credentials made it (for the file's `aws_profile`, so that `sops` uses it too).
pub(crate) struct PlainKey {
    pub(crate) key: Zeroizing<[u8; 32]>,
    pub(crate) blob: Vec<u8>,
    pub(crate) arn: String,
    pub(crate) profile: Option<String>,
}

#[derive(Clone)]
enum Source {
    One(Box<SdkConfig>),
    Profiles,
}

impl std::fmt::Debug for Kms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kms")
            .field(
                "credentials",
                &match self.inner.source {
                    Source::One(_) => "one configuration",
                    Source::Profiles => "per environment",
                },
            )
            .field("accounts", &self.inner.accounts)
            .finish_non_exhaustive()
    }
}

/// The encryption context of a stage's data key.
fn context(file: &str, stage: &str) -> HashMap<String, String> {
    HashMap::from([
        ("updraft:file".to_owned(), file.to_owned()),
        ("updraft:stage".to_owned(), stage.to_owned()),
    ])
}

fn kms_error<E, R>(
    stage: &str,
    operation: &'static str,
    error: aws_sdk_kms::error::SdkError<E, R>,
) -> Error
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Error::Kms {
        stage: stage.to_owned(),
        source: Box::new(AwsError::from_sdk("kms", operation, error)),
    }
}

impl Kms {
    /// One configuration for every stage.
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self::build(Source::One(Box::new(config.clone())), None)
    }

    /// Per stage: the AWS profile named by the stage's `environment` when the shared config
    /// files define one, else the default chain (a stage without an environment uses the
    /// default chain).
    #[must_use]
    pub fn per_environment() -> Self {
        Self::build(Source::Profiles, None)
    }

    /// Checks every stage's KMS key against its environment's account in `environments`: a
    /// key ARN in the file is checked before any call, the key KMS reports after each call.
    /// A stage whose environment is not listed is refused.
    #[must_use]
    pub fn check_accounts(self, environments: Environments) -> Self {
        Self::build(self.inner.source.clone(), Some(environments))
    }

    fn build(source: Source, accounts: Option<Environments>) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                accounts,
                clients: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The AWS configuration of `environment` (`None` or empty: the default).
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when the configuration does not load or the shared config files do not
    /// parse.
    pub async fn sdk_config(&self, environment: Option<&str>) -> Result<SdkConfig, Error> {
        Ok(self.resolve(environment).await?.config)
    }

    async fn client(&self, environment: Option<&str>) -> Result<aws_sdk_kms::Client, Error> {
        Ok(self.resolve(environment).await?.client)
    }

    async fn resolve(&self, environment: Option<&str>) -> Result<Resolved, Error> {
        let name = environment.unwrap_or_default();
        if let Some(found) = self.cached(name) {
            return Ok(found);
        }
        let (config, profile) = match &self.inner.source {
            Source::One(config) => (SdkConfig::clone(config), None),
            Source::Profiles if !name.is_empty() && aws::profile_exists(name).await? => (
                aws::ConfigLoader::new().profile(name).load().await?,
                Some(name.to_owned()),
            ),
            Source::Profiles => (aws::load().await?, None),
        };
        let resolved = Resolved {
            client: updraft_core::traced_client!(aws_sdk_kms, &config),
            config,
            profile,
        };
        if let Ok(mut clients) = self.inner.clients.lock() {
            clients.insert(name.to_owned(), resolved.clone());
        }
        Ok(resolved)
    }

    fn cached(&self, name: &str) -> Option<Resolved> {
        self.inner.clients.lock().ok()?.get(name).cloned()
    }

    /// With accounts to check: refuses a stage whose environment is not listed, or whose key
    /// (`key`, an ARN or alias from the file, or the ARN KMS reported) is in another account.
    fn check(&self, definition: &StageDef, key: Option<&str>) -> Result<(), Error> {
        let Some(accounts) = &self.inner.accounts else {
            return Ok(());
        };
        let stage = definition.pattern.literal();
        let refuse = |reason: String| {
            Err(Error::Account {
                stage: stage.to_owned(),
                environment: definition.environment.clone(),
                reason,
            })
        };
        let Some(expected) = accounts.account(&definition.environment) else {
            return refuse("the environment is not in environments.yml".to_owned());
        };
        match key.and_then(account_of_arn) {
            Some(found) if found != expected => refuse(format!(
                "its KMS key is in account {found}, and environments.yml puts the environment in {expected}"
            )),
            _ => Ok(()),
        }
    }

    /// A new data key under `definition`'s key for that stage of `file`: the key, and its
    /// KMS blob.
    pub(crate) async fn generate(
        &self,
        definition: &StageDef,
        file: &str,
    ) -> Result<(DataKey, Vec<u8>), Error> {
        let stage = definition.pattern.literal();
        let (plaintext, blob, _) = self
            .generate_data_key(definition, Some(context(file, stage)))
            .await?;
        Ok((DataKey::from_bytes(&plaintext)?, blob))
    }

    /// The data key of `definition`'s stage of `file`, from its blob.
    pub(crate) async fn data_key(
        &self,
        blob: &[u8],
        file: &str,
        definition: &StageDef,
    ) -> Result<DataKey, Error> {
        let stage = definition.pattern.literal();
        let plaintext = self
            .decrypt(definition, blob, Some(context(file, stage)), stage)
            .await?;
        DataKey::from_bytes(&plaintext)
    }

    /// A data key for a SOPS file of `definition`'s stage, without an encryption context (as
    /// sops writes them); its ARN as KMS reports it (sops needs an ARN, the file may name an
    /// alias).
    pub(crate) async fn generate_plain(&self, definition: &StageDef) -> Result<PlainKey, Error> {
        let (plaintext, blob, arn) = self.generate_data_key(definition, None).await?;
        let key: [u8; 32] = plaintext
            .as_slice()
            .try_into()
            .map_err(|_| Error::format("sops", "a data key has 32 bytes"))?;
        Ok(PlainKey {
            key: Zeroizing::new(key),
            blob,
            arn: arn.unwrap_or_else(|| definition.key.clone()),
            profile: self.resolve(Some(&definition.environment)).await?.profile,
        })
    }

    /// A SOPS data key from its blob, with the credentials of `profile` (the file's
    /// `aws_profile`) where this client picks them per environment.
    pub(crate) async fn decrypt_plain(
        &self,
        blob: &[u8],
        profile: Option<&str>,
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        let client = self.client(profile).await?;
        let (plaintext, _) = send_decrypt(&client, blob, None, "sops").await?;
        let key: [u8; 32] = plaintext
            .as_slice()
            .try_into()
            .map_err(|_| Error::format("sops.kms", "a data key has 32 bytes"))?;
        Ok(Zeroizing::new(key))
    }

    /// A fleece `:decrypt:` value at `path` of `definition`'s stage: KMS `Decrypt` without a
    /// context.
    pub(crate) async fn fleece(
        &self,
        blob: &[u8],
        path: &str,
        definition: &StageDef,
    ) -> Result<Zeroizing<String>, Error> {
        let plaintext = self.decrypt(definition, blob, None, path).await?;
        String::from_utf8(plaintext.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| Error::format(path, "the fleece value is not text"))
    }

    async fn generate_data_key(
        &self,
        definition: &StageDef,
        context: Option<HashMap<String, String>>,
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>, Option<String>), Error> {
        let stage = definition.pattern.literal();
        self.check(definition, Some(&definition.key))?;
        let output = self
            .client(Some(&definition.environment))
            .await?
            .generate_data_key()
            .key_id(&definition.key)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(context)
            .send()
            .await
            .map_err(|e| kms_error(stage, "GenerateDataKey", e))?;
        self.check(definition, output.key_id())?;
        let plaintext = output
            .plaintext()
            .ok_or_else(|| Error::format(stage, "KMS returned no plaintext data key"))?;
        let blob = output
            .ciphertext_blob()
            .ok_or_else(|| Error::format(stage, "KMS returned no encrypted data key"))?;
        Ok((
            Zeroizing::new(plaintext.as_ref().to_vec()),
            blob.as_ref().to_vec(),
            output.key_id().map(str::to_owned),
        ))
    }

    /// One `Decrypt` with the credentials of `definition`'s environment, its account checked
    /// before and after.
    async fn decrypt(
        &self,
        definition: &StageDef,
        blob: &[u8],
        context: Option<HashMap<String, String>>,
        about: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.check(definition, None)?;
        let client = self.client(Some(&definition.environment)).await?;
        let (plaintext, key_id) = send_decrypt(&client, blob, context, about).await?;
        self.check(definition, key_id.as_deref())?;
        Ok(plaintext)
    }
}

/// One `Decrypt`: the plaintext, and the key KMS used.
async fn send_decrypt(
    client: &aws_sdk_kms::Client,
    blob: &[u8],
    context: Option<HashMap<String, String>>,
    about: &str,
) -> Result<(Zeroizing<Vec<u8>>, Option<String>), Error> {
    let output = client
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .set_encryption_context(context)
        .send()
        .await
        .map_err(|e| kms_error(about, "Decrypt", e))?;
    let plaintext = output
        .plaintext()
        .ok_or_else(|| Error::format(about, "KMS returned no plaintext"))?;
    Ok((
        Zeroizing::new(plaintext.as_ref().to_vec()),
        output.key_id().map(str::to_owned),
    ))
}
