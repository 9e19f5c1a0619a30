//! KMS as the closed form uses it: one data key per stage definition, bound to the file and
//! the stage by an encryption context; and fleece's direct `Decrypt` of `:decrypt:` values.

use std::collections::HashMap;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use updraft_core::aws::AwsError;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::DataKey;

/// A KMS client, built with the Updraft trace interceptor.
#[derive(Debug, Clone)]
pub struct Kms {
    client: aws_sdk_kms::Client,
}

/// The encryption context of a stage's data key.
fn context(file: &str, stage: &str) -> HashMap<String, String> {
    HashMap::from([
        ("updraft:file".to_owned(), file.to_owned()),
        ("updraft:stage".to_owned(), stage.to_owned()),
    ])
}

impl Kms {
    /// A client for `config`.
    #[must_use]
    pub fn new(config: &updraft_core::SdkConfig) -> Self {
        Self {
            client: updraft_core::traced_client!(aws_sdk_kms, config),
        }
    }

    /// A new data key under `key_id` for `stage` of `file`: the key, and its KMS blob.
    pub(crate) async fn generate(
        &self,
        key_id: &str,
        file: &str,
        stage: &str,
    ) -> Result<(DataKey, Vec<u8>), Error> {
        let output = self
            .client
            .generate_data_key()
            .key_id(key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(context(file, stage)))
            .send()
            .await
            .map_err(|e| Error::Kms {
                stage: stage.to_owned(),
                source: Box::new(AwsError::from_sdk("kms", "GenerateDataKey", e)),
            })?;
        let plaintext = output
            .plaintext()
            .ok_or_else(|| Error::format(stage, "KMS returned no plaintext data key"))?;
        let blob = output
            .ciphertext_blob()
            .ok_or_else(|| Error::format(stage, "KMS returned no encrypted data key"))?;
        Ok((
            DataKey::from_bytes(plaintext.as_ref())?,
            blob.as_ref().to_vec(),
        ))
    }

    /// The data key of `stage` of `file` from its blob.
    pub(crate) async fn data_key(
        &self,
        blob: &[u8],
        file: &str,
        stage: &str,
    ) -> Result<DataKey, Error> {
        let plaintext = self
            .decrypt(blob, Some(context(file, stage)), stage)
            .await?;
        DataKey::from_bytes(&plaintext)
    }

    /// A data key for a SOPS file: the key and its blob, without an encryption context (as
    /// sops writes them).
    pub(crate) async fn generate_plain(
        &self,
        key_id: &str,
    ) -> Result<(Zeroizing<[u8; 32]>, Vec<u8>), Error> {
        let output = self
            .client
            .generate_data_key()
            .key_id(key_id)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await
            .map_err(|e| Error::Kms {
                stage: "sops".to_owned(),
                source: Box::new(AwsError::from_sdk("kms", "GenerateDataKey", e)),
            })?;
        let plaintext = output
            .plaintext()
            .ok_or_else(|| Error::format("sops", "KMS returned no data key"))?;
        let key: [u8; 32] = plaintext
            .as_ref()
            .try_into()
            .map_err(|_| Error::format("sops", "a data key has 32 bytes"))?;
        let blob = output
            .ciphertext_blob()
            .ok_or_else(|| Error::format("sops", "KMS returned no blob"))?;
        Ok((Zeroizing::new(key), blob.as_ref().to_vec()))
    }

    /// A SOPS data key from its blob.
    pub(crate) async fn decrypt_plain(&self, blob: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
        let plaintext = self.decrypt(blob, None, "sops").await?;
        let key: [u8; 32] = plaintext
            .as_slice()
            .try_into()
            .map_err(|_| Error::format("sops.kms", "a data key has 32 bytes"))?;
        Ok(Zeroizing::new(key))
    }

    /// A fleece `:decrypt:` value: KMS `Decrypt` without a context.
    pub(crate) async fn fleece(&self, blob: &[u8], path: &str) -> Result<Zeroizing<String>, Error> {
        let plaintext = self.decrypt(blob, None, path).await?;
        String::from_utf8(plaintext.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| Error::format(path, "the fleece value is not text"))
    }

    async fn decrypt(
        &self,
        blob: &[u8],
        context: Option<HashMap<String, String>>,
        about: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let output = self
            .client
            .decrypt()
            .ciphertext_blob(Blob::new(blob))
            .set_encryption_context(context)
            .send()
            .await
            .map_err(|e| Error::Kms {
                stage: about.to_owned(),
                source: Box::new(AwsError::from_sdk("kms", "Decrypt", e)),
            })?;
        let plaintext = output
            .plaintext()
            .ok_or_else(|| Error::format(about, "KMS returned no plaintext"))?;
        Ok(Zeroizing::new(plaintext.as_ref().to_vec()))
    }
}
