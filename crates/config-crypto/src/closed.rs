//! Closing an open configuration (one data key per stage definition, each secret sealed, a MAC
//! per stage) and opening a closed one (MACs checked first).

// Over 400 lines with its tests: the code is about 340 lines, the rest is the 10,000-mutation
// property test, which needs the module's private keys-given entry points.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{DataKey, MacEntry};
use crate::kms::Kms;
use crate::open::{ConfigFile, Leaf, Node, Scalar};
use crate::stage::{StageDef, Stages};
use crate::tree::{Visit, for_each_leaf, map_leaves, path_key, path_text, visit};

/// What a closed file adds: the file name its data keys are bound to, and per stage
/// definition (in `stages` order) its KMS data-key blob and its MAC, both base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The file name in every data key's encryption context.
    pub file: String,
    /// `(literal, data key blob, mac)` per definition.
    pub stages: Vec<(String, String, String)>,
}

impl Meta {
    /// The `(data key blob, mac)` of the definition written `literal`.
    fn of(&self, literal: &str) -> Result<(&str, &str), Error> {
        self.stages
            .iter()
            .find(|(l, _, _)| l == literal)
            .map(|(_, blob, mac)| (blob.as_str(), mac.as_str()))
            .ok_or_else(|| {
                Error::format(
                    &format!("updraft.stages.{literal}"),
                    "the stage has no data key",
                )
            })
    }
}

/// The definition that owns per-stage key `stage` at `path`, with its index.
pub(crate) fn owner<'s>(
    stages: &'s Stages,
    stage: &str,
    path: &[String],
) -> Result<(usize, &'s StageDef), Error> {
    stages
        .owner(stage)
        .ok_or_else(|| Error::format(&path_text(path), "no stage definition covers this stage"))
}

/// Every value of `config` that definition `owner` renders, in file order, as its MAC sees
/// it: the values common to all stages, and the per-stage values it owns.
fn mac_entries(config: &Node, stages: &Stages, owner: usize) -> Vec<(String, u8, String)> {
    let mut out = Vec::new();
    let walked = visit(config, &mut |path, visited| {
        match visited {
            Visit::Value(scalar) => {
                let (kind, text) = canonical(scalar);
                out.push((path_key(path), kind, text));
            }
            Visit::PerStage(values) => {
                let mut path = path.to_vec();
                for (stage, leaf) in values {
                    if stages.owner(stage).map(|(i, _)| i) != Some(owner) {
                        continue;
                    }
                    path.push(format!("+{stage}"));
                    let (kind, text) = match leaf {
                        Leaf::Plain(scalar) => canonical(scalar),
                        Leaf::Sealed(token) => (b'e', token.clone()),
                        Leaf::Fleece(blob) => (b'd', blob.clone()),
                        // Not in a closed file; a secret is never put into a MAC in the clear.
                        Leaf::Secret(_) => (b'x', String::new()),
                    };
                    out.push((path_key(&path), kind, text));
                    path.pop();
                }
            }
        }
        Ok(())
    });
    debug_assert!(walked.is_ok(), "the MAC walk does not fail");
    out
}

fn canonical(scalar: &Scalar) -> (u8, String) {
    match scalar {
        Scalar::Null => (b'n', String::new()),
        Scalar::Bool(b) => (b'b', b.to_string()),
        Scalar::Int(i) => (b'i', i.to_string()),
        Scalar::Float(f) => (b'f', format!("{f:?}")),
        Scalar::Str(s) => (b's', s.clone()),
    }
}

/// The MAC of definition `owner` (index `owner`) over `config`.
fn mac(config: &Node, stages: &Stages, owner: usize, key: &DataKey, file: &str) -> String {
    let entries = mac_entries(config, stages, owner);
    let literal = stages.definitions()[owner].pattern.literal();
    key.mac(file, literal, &macs(&entries))
}

fn macs(entries: &[(String, u8, String)]) -> Vec<MacEntry<'_>> {
    entries
        .iter()
        .map(|(path, kind, text)| MacEntry {
            path,
            kind: *kind,
            text,
        })
        .collect()
}

/// fleece `:decrypt:` values waiting for KMS: `(path, definition, blob)`.
pub(crate) type FleecePending<'s> = Vec<(Vec<String>, &'s StageDef, String)>;

/// Queues the fleece value `leaf` at `path` (a no-op for other leaves).
pub(crate) fn queue_fleece<'s>(
    pending: &mut FleecePending<'s>,
    path: &[String],
    definition: &'s StageDef,
    leaf: &Leaf,
) {
    if let Leaf::Fleece(blob) = leaf {
        pending.push((path.to_vec(), definition, blob.clone()));
    }
}

/// Decrypts queued fleece values (one KMS `Decrypt` each, with the credentials of their
/// stage): plaintext by path key.
pub(crate) async fn decrypt_fleece(
    pending: FleecePending<'_>,
    kms: &Kms,
) -> Result<HashMap<String, Zeroizing<String>>, Error> {
    let mut values = HashMap::with_capacity(pending.len());
    for (path, definition, blob) in pending {
        let bytes = STANDARD
            .decode(&blob)
            .map_err(|_| Error::format(&path_text(&path), "a :decrypt: value is not base64"))?;
        let text = kms.fleece(&bytes, &path_text(&path), definition).await?;
        values.insert(path_key(&path), text);
    }
    Ok(values)
}

/// Decrypts every fleece value of `config`.
async fn fleece_values(
    config: &Node,
    stages: &Stages,
    kms: &Kms,
) -> Result<HashMap<String, Zeroizing<String>>, Error> {
    let mut pending = Vec::new();
    for_each_leaf(config, &mut |path, stage, leaf| {
        queue_fleece(&mut pending, path, owner(stages, stage, path)?.1, leaf);
        Ok(())
    })?;
    decrypt_fleece(pending, kms).await
}

/// The fleece value at `path`, decrypted by [`decrypt_fleece`].
pub(crate) fn fleece_at<'v>(
    values: &'v HashMap<String, Zeroizing<String>>,
    path: &[String],
) -> Result<&'v Zeroizing<String>, Error> {
    values
        .get(&path_key(path))
        .ok_or_else(|| Error::format(&path_text(path), "the :decrypt: value was not decrypted"))
}

/// Closes `config`: a data key per definition, every secret (and fleece value) sealed, a MAC
/// per definition. One `GenerateDataKey` per definition, plus one `Decrypt` per fleece value.
///
/// # Errors
///
/// [`Error::Kms`]; [`Error::Account`]; [`Error::Format`] naming the path of a value that
/// cannot be sealed.
pub async fn close(
    stages: &Stages,
    config: &Node,
    kms: &Kms,
    file: &str,
) -> Result<(Node, Meta), Error> {
    let mut keys = Vec::with_capacity(stages.definitions().len());
    for definition in stages.definitions() {
        let (key, blob) = kms.generate(definition, file).await?;
        keys.push((key, STANDARD.encode(blob)));
    }
    close_with_keys(stages, config, &keys, kms, file).await
}

impl ConfigFile {
    /// This open file closed (see [`close`]), its data keys bound to the file name `file`.
    ///
    /// # Errors
    ///
    /// As [`close`].
    pub async fn close(self, kms: &Kms, file: &str) -> Result<ConfigFile, Error> {
        let (config, meta) = close(&self.stages, &self.config, kms, file).await?;
        Ok(ConfigFile {
            stages: self.stages,
            config,
            meta: Some(meta),
        })
    }
}

/// [`close`] with the data keys (and their blobs) already made.
pub(crate) async fn close_with_keys(
    stages: &Stages,
    config: &Node,
    keys: &[(DataKey, String)],
    kms: &Kms,
    file: &str,
) -> Result<(Node, Meta), Error> {
    let fleece = fleece_values(config, stages, kms).await?;
    let sealed = map_leaves(config, &mut |path, stage, leaf| {
        let (index, definition) = owner(stages, stage, path)?;
        let secret = match leaf {
            Leaf::Secret(text) => text,
            Leaf::Fleece(_) => fleece_at(&fleece, path)?,
            Leaf::Sealed(_) => {
                return Err(Error::format(
                    &path_text(path),
                    "the value is already sealed: import takes the open form (export first)",
                ));
            }
            Leaf::Plain(_) => return Ok(leaf.clone()),
        };
        Ok(Leaf::Sealed(keys[index].0.seal(
            secret,
            &path_key(path),
            definition.pattern.literal(),
        )?))
    })?;
    let meta = Meta {
        file: file.to_owned(),
        stages: stages
            .definitions()
            .iter()
            .zip(keys)
            .enumerate()
            .map(|(index, (definition, (key, blob)))| {
                (
                    definition.pattern.literal().to_owned(),
                    blob.clone(),
                    mac(&sealed, stages, index, key, file),
                )
            })
            .collect(),
    };
    Ok((sealed, meta))
}

/// The data key of definition `owner` from `meta`, decrypted by KMS and its MAC over `config`
/// checked: one `Decrypt`.
pub(crate) async fn open_key(
    stages: &Stages,
    config: &Node,
    meta: &Meta,
    owner: usize,
    kms: &Kms,
) -> Result<DataKey, Error> {
    let definition = &stages.definitions()[owner];
    let literal = definition.pattern.literal();
    let (blob, _) = meta.of(literal)?;
    let blob = STANDARD
        .decode(blob)
        .map_err(|_| Error::format(&format!("updraft.stages.{literal}.data_key"), "not base64"))?;
    let key = kms.data_key(&blob, &meta.file, definition).await?;
    mac_check(stages, config, meta, owner, &key)?;
    Ok(key)
}

/// Checks the MAC of definition `owner` over `config`.
pub(crate) fn mac_check(
    stages: &Stages,
    config: &Node,
    meta: &Meta,
    owner: usize,
    key: &DataKey,
) -> Result<(), Error> {
    let literal = stages.definitions()[owner].pattern.literal();
    let (_, expected) = meta.of(literal)?;
    let entries = mac_entries(config, stages, owner);
    key.verify(&meta.file, literal, &macs(&entries), expected)
}

/// Opens a closed `config`: every definition's data key decrypted and its MAC checked before
/// any value is opened. One `Decrypt` per definition, plus one per fleece value. A file fleece
/// closed has no `meta`: its `:decrypt:` values are opened (one `Decrypt` each), and a sealed
/// value is refused.
///
/// # Errors
///
/// [`Error::Kms`]; [`Error::Account`]; [`Error::Format`] for a MAC that does not match or a
/// value that does not open, naming it.
pub async fn open(
    stages: &Stages,
    config: &Node,
    meta: Option<&Meta>,
    kms: &Kms,
) -> Result<Node, Error> {
    let mut keys = Vec::with_capacity(stages.definitions().len());
    if let Some(meta) = meta {
        for owner in 0..stages.definitions().len() {
            keys.push(open_key(stages, config, meta, owner, kms).await?);
        }
    }
    unseal(stages, config, &keys, kms).await
}

/// Opens a sealed value at `path` with its stage's data key.
pub(crate) fn open_value(
    key: &DataKey,
    token: &str,
    path: &[String],
    definition: &StageDef,
) -> Result<Zeroizing<String>, Error> {
    key.open(token, &path_key(path), definition.pattern.literal())
        .map_err(|_| {
            Error::format(
                &path_text(path),
                "the encrypted value does not open: it was changed or moved",
            )
        })
}

async fn unseal(
    stages: &Stages,
    config: &Node,
    keys: &[DataKey],
    kms: &Kms,
) -> Result<Node, Error> {
    let fleece = fleece_values(config, stages, kms).await?;
    map_leaves(config, &mut |path, stage, leaf| {
        let (index, definition) = owner(stages, stage, path)?;
        Ok(match leaf {
            Leaf::Sealed(token) => {
                let key = keys.get(index).ok_or_else(|| {
                    Error::format(
                        &path_text(path),
                        "a sealed value in a file without `updraft` metadata",
                    )
                })?;
                Leaf::Secret(open_value(key, token, path, definition)?)
            }
            Leaf::Fleece(_) => Leaf::Secret(fleece_at(&fleece, path)?.clone()),
            other => other.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::ConfigFile;

    const TEXT: &str = "stages:\n  prod: {key: p}\n  /.*/: {key: d}\nconfig:\n  name: orders\n  port: 8080\n  db:\n    password:\n      +prod: ':encrypt:prod-password'\n      +/.*/: ':encrypt:dev-password'\n    user:\n      +prod: admin\n      +/.*/: dev\n  hosts: [a, b]\n  token:\n    +prod: ':encrypt:t0ken'\n";

    /// [`open`] with the data keys already decrypted: every MAC checked, then the values opened.
    async fn open_with_keys(
        stages: &Stages,
        config: &Node,
        meta: &Meta,
        keys: &[DataKey],
        kms: &Kms,
    ) -> Result<Node, Error> {
        for (owner, key) in keys.iter().enumerate() {
            mac_check(stages, config, meta, owner, key)?;
        }
        unseal(stages, config, keys, kms).await
    }

    /// A KMS client that is never called: these tests hold their data keys.
    async fn no_kms() -> Kms {
        let config = updraft_core::aws::ConfigLoader::new()
            .env(updraft_core::Env::from_pairs([
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "unused"),
                ("AWS_SECRET_ACCESS_KEY", "unused"),
            ]))
            .endpoint_url("http://127.0.0.1:1")
            .load()
            .await
            .unwrap();
        Kms::new(&config)
    }

    fn keys() -> Vec<(DataKey, String)> {
        vec![
            (DataKey::from_bytes(&[7; 32]).unwrap(), "blob-p".into()),
            (DataKey::from_bytes(&[9; 32]).unwrap(), "blob-d".into()),
        ]
    }

    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    #[tokio::test]
    async fn any_change_to_the_encrypted_material_or_a_mac_is_caught() {
        let kms = no_kms().await;
        let file = ConfigFile::from_text(TEXT).unwrap();
        let (sealed, meta) =
            close_with_keys(&file.stages, &file.config, &keys(), &kms, "config.yml")
                .await
                .unwrap();
        let plain_keys: Vec<DataKey> = keys().into_iter().map(|(k, _)| k).collect();
        open_with_keys(&file.stages, &sealed, &meta, &plain_keys, &kms)
            .await
            .unwrap();
        let closed = ConfigFile {
            stages: file.stages.clone(),
            config: sealed,
            meta: Some(meta),
        };
        let yaml = closed.to_yaml().unwrap();
        // The places that hold encrypted material or a MAC: the base64 inside ENC[…] and the
        // mac values.
        let mut spans = Vec::new();
        let mut from = 0;
        while let Some(start) = yaml[from..].find("ENC[UPDRAFT1,") {
            let start = from + start + "ENC[UPDRAFT1,".len();
            let end = start + yaml[start..].find(']').unwrap();
            spans.push((start, end));
            from = end;
        }
        let mut from = 0;
        while let Some(start) = yaml[from..].find("mac: ") {
            let start = from + start + "mac: ".len();
            let end = start + yaml[start..].find('\n').unwrap();
            spans.push((start, end));
            from = end;
        }
        assert_eq!(spans.len(), 3 + 2, "three sealed values, two MACs");
        let mut rng = fastrand::Rng::with_seed(17);
        for round in 0..10_000 {
            let (start, end) = spans[rng.usize(..spans.len())];
            let mut bytes = yaml.clone().into_bytes();
            if round % 2 == 0 {
                // One character changed to another base64 character.
                let at = rng.usize(start..end);
                let replacement = loop {
                    let c = ALPHABET[rng.usize(..ALPHABET.len())];
                    if c != bytes[at] {
                        break c;
                    }
                };
                bytes[at] = replacement;
            } else {
                // One bit of the decoded material flipped.
                let text = std::str::from_utf8(&bytes[start..end]).unwrap();
                let mut decoded = STANDARD.decode(text).unwrap();
                let bit = rng.usize(..decoded.len() * 8);
                decoded[bit / 8] ^= 1 << (bit % 8);
                let encoded = STANDARD.encode(&decoded);
                bytes.splice(start..end, encoded.bytes());
            }
            let text = String::from_utf8(bytes).unwrap();
            let outcome = match ConfigFile::from_text(&text) {
                Err(_) => continue,
                Ok(changed) => {
                    open_with_keys(
                        &changed.stages,
                        &changed.config,
                        changed.meta.as_ref().unwrap(),
                        &plain_keys,
                        &kms,
                    )
                    .await
                }
            };
            assert!(outcome.is_err(), "round {round}: a change went unnoticed");
        }
    }
}
