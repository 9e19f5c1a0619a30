//! Closing an open configuration (one data key per stage definition, each secret sealed, a MAC
//! per stage) and opening a closed one (MACs checked first).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;
use crate::crypto::{DataKey, MacEntry};
use crate::kms::Kms;
use crate::open::{Leaf, Node, Scalar};
use crate::stage::Stages;

/// What a closed file adds: the file name its data keys are bound to, and per stage
/// definition (in `stages` order) its KMS data-key blob and its MAC, both base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The file name in every data key's encryption context.
    pub file: String,
    /// `(literal, data key blob, mac)` per definition.
    pub stages: Vec<(String, String, String)>,
}

/// One value as the MAC and the additional data see it: its path segments, unambiguous.
fn path_key(segments: &[String]) -> String {
    serde_json::to_string(segments).unwrap_or_default()
}

/// A path for messages: `config.db.password.+prod`, `config.list[2]`.
fn path_text(segments: &[String]) -> String {
    segments.join(".")
}

/// Every value of `node` that stage definition `owner` renders, in file order: the values
/// common to all stages, and the per-stage values it owns. `(path key, kind, text)`.
fn mac_entries(
    node: &Node,
    stages: &Stages,
    owner: usize,
    path: &mut Vec<String>,
    out: &mut Vec<(String, u8, String)>,
) {
    match node {
        Node::Map(entries) => {
            for (key, child) in entries {
                path.push(key.clone());
                mac_entries(child, stages, owner, path, out);
                path.pop();
            }
        }
        Node::List(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(format!("[{index}]"));
                mac_entries(child, stages, owner, path, out);
                path.pop();
            }
        }
        Node::Value(scalar) => {
            let (kind, text) = canonical(scalar);
            out.push((path_key(path), kind, text));
        }
        Node::PerStage(values) => {
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
                out.push((path_key(path), kind, text));
                path.pop();
            }
        }
    }
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

/// Closes `config`: a data key per definition, every secret (and fleece value) sealed, a MAC
/// per definition. One `GenerateDataKey` per definition, plus one `Decrypt` per fleece value.
///
/// # Errors
///
/// [`Error::Kms`]; [`Error::Format`] naming the path of a value that cannot be sealed.
pub async fn close(
    stages: &Stages,
    config: &Node,
    kms: &Kms,
    file: &str,
) -> Result<(Node, Meta), Error> {
    let mut keys = Vec::with_capacity(stages.definitions().len());
    for definition in stages.definitions() {
        let literal = definition.pattern.literal();
        let (key, blob) = kms.generate(&definition.key, file, literal).await?;
        keys.push((key, STANDARD.encode(blob)));
    }
    close_with_keys(stages, config, &keys, kms, file).await
}

/// [`close`] with the data keys (and their blobs) already made.
pub(crate) async fn close_with_keys(
    stages: &Stages,
    config: &Node,
    keys: &[(DataKey, String)],
    kms: &Kms,
    file: &str,
) -> Result<(Node, Meta), Error> {
    let mut path = Vec::new();
    let sealed = seal(config, stages, keys, kms, &mut path).await?;
    let mut meta = Meta {
        file: file.to_owned(),
        stages: Vec::new(),
    };
    for (index, (definition, (key, blob))) in stages.definitions().iter().zip(keys).enumerate() {
        let literal = definition.pattern.literal();
        let mut entries = Vec::new();
        mac_entries(&sealed, stages, index, &mut Vec::new(), &mut entries);
        let mac = key.mac(file, literal, &macs(&entries));
        meta.stages.push((literal.to_owned(), blob.clone(), mac));
    }
    Ok((sealed, meta))
}

fn seal<'a>(
    node: &'a Node,
    stages: &'a Stages,
    keys: &'a [(DataKey, String)],
    kms: &'a Kms,
    path: &'a mut Vec<String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Node, Error>> + Send + 'a>> {
    Box::pin(async move {
        Ok(match node {
            Node::Map(entries) => {
                let mut sealed = Vec::with_capacity(entries.len());
                for (key, child) in entries {
                    path.push(key.clone());
                    let child = seal(child, stages, keys, kms, path).await?;
                    path.pop();
                    sealed.push((key.clone(), child));
                }
                Node::Map(sealed)
            }
            Node::List(items) => {
                let mut sealed = Vec::with_capacity(items.len());
                for (index, child) in items.iter().enumerate() {
                    path.push(format!("[{index}]"));
                    sealed.push(seal(child, stages, keys, kms, path).await?);
                    path.pop();
                }
                Node::List(sealed)
            }
            Node::Value(scalar) => Node::Value(scalar.clone()),
            Node::PerStage(values) => {
                let mut sealed = Vec::with_capacity(values.len());
                for (stage, leaf) in values {
                    path.push(format!("+{stage}"));
                    let (owner, definition) = stages.owner(stage).ok_or_else(|| {
                        Error::format(&path_text(path), "no stage definition covers this stage")
                    })?;
                    let literal = definition.pattern.literal();
                    let secret = match leaf {
                        Leaf::Secret(text) => Some(text.clone()),
                        Leaf::Fleece(blob) => {
                            let bytes = STANDARD.decode(blob).map_err(|_| {
                                Error::format(&path_text(path), "a :decrypt: value is not base64")
                            })?;
                            Some(kms.fleece(&bytes, &path_text(path)).await?)
                        }
                        Leaf::Sealed(_) => {
                            return Err(Error::format(
                                &path_text(path),
                                "the value is already sealed: import takes the open form (export first)",
                            ));
                        }
                        Leaf::Plain(_) => None,
                    };
                    let leaf = match secret {
                        Some(text) => {
                            Leaf::Sealed(keys[owner].0.seal(&text, &path_key(path), literal)?)
                        }
                        None => leaf.clone(),
                    };
                    path.pop();
                    sealed.push((stage.clone(), leaf));
                }
                Node::PerStage(sealed)
            }
        })
    })
}

/// Checks the MAC of definition `owner` (literal `literal`) over `config`.
pub(crate) fn mac_check(
    stages: &Stages,
    config: &Node,
    owner: usize,
    key: &DataKey,
    file: &str,
    literal: &str,
    mac: &str,
) -> Result<(), Error> {
    let mut entries = Vec::new();
    mac_entries(config, stages, owner, &mut Vec::new(), &mut entries);
    key.verify(file, literal, &macs(&entries), mac)
}

/// Opens a closed `config`: every definition's data key decrypted and its MAC checked before
/// any value is opened. One `Decrypt` per definition, plus one per fleece value.
///
/// # Errors
///
/// [`Error::Kms`]; [`Error::Format`] for a MAC that does not match or a value that does not
/// open, naming it.
pub async fn open(stages: &Stages, config: &Node, meta: &Meta, kms: &Kms) -> Result<Node, Error> {
    let mut keys = Vec::with_capacity(stages.definitions().len());
    for definition in stages.definitions() {
        let literal = definition.pattern.literal();
        let Some((_, blob, _)) = meta.stages.iter().find(|(l, _, _)| l == literal) else {
            return Err(Error::format(
                &format!("updraft.stages.{literal}"),
                "the stage has no data key",
            ));
        };
        let blob = STANDARD.decode(blob).map_err(|_| {
            Error::format(&format!("updraft.stages.{literal}.data_key"), "not base64")
        })?;
        keys.push(kms.data_key(&blob, &meta.file, literal).await?);
    }
    open_with_keys(stages, config, meta, &keys, kms).await
}

/// [`open`] with the data keys already decrypted: every MAC checked, then the values opened.
pub(crate) async fn open_with_keys(
    stages: &Stages,
    config: &Node,
    meta: &Meta,
    keys: &[DataKey],
    kms: &Kms,
) -> Result<Node, Error> {
    for (index, (definition, key)) in stages.definitions().iter().zip(keys).enumerate() {
        let literal = definition.pattern.literal();
        let Some((_, _, mac)) = meta.stages.iter().find(|(l, _, _)| l == literal) else {
            return Err(Error::format(
                &format!("updraft.stages.{literal}"),
                "the stage has no data key",
            ));
        };
        mac_check(stages, config, index, key, &meta.file, literal, mac)?;
    }
    unseal(config, stages, keys, kms, &mut Vec::new()).await
}

fn unseal<'a>(
    node: &'a Node,
    stages: &'a Stages,
    keys: &'a [DataKey],
    kms: &'a Kms,
    path: &'a mut Vec<String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Node, Error>> + Send + 'a>> {
    Box::pin(async move {
        Ok(match node {
            Node::Map(entries) => {
                let mut open = Vec::with_capacity(entries.len());
                for (key, child) in entries {
                    path.push(key.clone());
                    let child = unseal(child, stages, keys, kms, path).await?;
                    path.pop();
                    open.push((key.clone(), child));
                }
                Node::Map(open)
            }
            Node::List(items) => {
                let mut open = Vec::with_capacity(items.len());
                for (index, child) in items.iter().enumerate() {
                    path.push(format!("[{index}]"));
                    open.push(unseal(child, stages, keys, kms, path).await?);
                    path.pop();
                }
                Node::List(open)
            }
            Node::Value(scalar) => Node::Value(scalar.clone()),
            Node::PerStage(values) => {
                let mut open = Vec::with_capacity(values.len());
                for (stage, leaf) in values {
                    path.push(format!("+{stage}"));
                    let (owner, definition) = stages.owner(stage).ok_or_else(|| {
                        Error::format(&path_text(path), "no stage definition covers this stage")
                    })?;
                    let leaf = match leaf {
                        Leaf::Sealed(token) => Leaf::Secret(keys[owner].open(
                            token,
                            &path_key(path),
                            definition.pattern.literal(),
                        ).map_err(|_| Error::format(&path_text(path), "the encrypted value does not open: it was changed or moved"))?),
                        Leaf::Fleece(blob) => {
                            let bytes = STANDARD
                                .decode(blob)
                                .map_err(|_| Error::format(&path_text(path), "a :decrypt: value is not base64"))?;
                            Leaf::Secret(kms.fleece(&bytes, &path_text(path)).await?)
                        }
                        other => other.clone(),
                    };
                    path.pop();
                    open.push((stage.clone(), leaf));
                }
                Node::PerStage(open)
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::ConfigFile;

    const TEXT: &str = "stages:\n  prod: {key: p}\n  /.*/: {key: d}\nconfig:\n  name: orders\n  port: 8080\n  db:\n    password:\n      +prod: ':encrypt:prod-password'\n      +/.*/: ':encrypt:dev-password'\n    user:\n      +prod: admin\n      +/.*/: dev\n  hosts: [a, b]\n  token:\n    +prod: ':encrypt:t0ken'\n";

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
