//! SOPS files (getsops/sops 3.x, KMS keys): a rendered stage written as one, which the real
//! `sops decrypt` opens, and a SOPS file read back.
//!
//! The format, as sops writes it: each value is
//! `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str|int|float|bool]`, AES-256-GCM with a 32-byte
//! IV, its additional data the map keys of its path joined by `:` with a trailing `:` (list
//! positions are not in the path). The MAC is the upper-case hex SHA-512 of every value's
//! plaintext bytes in file order (`True`/`False` for booleans), stored sealed under the data
//! key with `lastmodified` (RFC 3339) as additional data. The data key is 32 random bytes,
//! KMS-encrypted under each `sops.kms[].arn`.

// Over 400 lines with its tests: writing and reading share the cipher, the value types and the
// MAC, and the property test needs the key-given reader; the code is about 390 lines.

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_yaml_ng::{Mapping, Value as Yaml};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::Error;
use crate::kms::{Kms, PlainKey};
#[cfg(test)]
use crate::output;
use crate::stage::StageDef;
use crate::value::{Secret, Value};

type SopsGcm = AesGcm<Aes256, U32>;

/// The sops version written in the metadata.
const SOPS_VERSION: &str = "3.11.0";

/// A leaf's plaintext as sops sees it: its bytes and its `type`.
fn leaf_bytes(value: &Value, path: &str) -> Result<(Zeroizing<String>, &'static str), Error> {
    Ok(match value {
        Value::Str(text) => (Zeroizing::new(text.clone()), "str"),
        Value::Secret(secret) => (Zeroizing::new(secret.expose().to_owned()), "str"),
        Value::Int(i) => (Zeroizing::new(i.to_string()), "int"),
        Value::Float(f) if f.is_finite() => (Zeroizing::new(f.to_string()), "float"),
        Value::Bool(b) => (
            Zeroizing::new(if *b { "True" } else { "False" }.to_owned()),
            "bool",
        ),
        _ => {
            return Err(Error::format(
                path,
                "SOPS cannot hold this value (null, NaN or infinity)",
            ));
        }
    })
}

fn seal(key: &[u8; 32], plaintext: &[u8], aad: &str, kind: &str) -> Result<String, Error> {
    let mut iv = [0_u8; 32];
    getrandom::fill(&mut iv).map_err(|e| Error::format(aad, &format!("no randomness: {e}")))?;
    let sealed = SopsGcm::new(key.into())
        .encrypt(
            Nonce::<U32>::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::format(aad, "the value cannot be encrypted"))?;
    let (data, tag) = sealed.split_at(sealed.len() - 16);
    Ok(format!(
        "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{kind}]",
        STANDARD.encode(data),
        STANDARD.encode(iv),
        STANDARD.encode(tag)
    ))
}

fn unseal(key: &[u8; 32], token: &str, aad: &str) -> Result<(Zeroizing<Vec<u8>>, String), Error> {
    let broken = || {
        Error::format(
            aad,
            "the SOPS value does not decrypt (tampered or another key)",
        )
    };
    let inner = token
        .strip_prefix("ENC[AES256_GCM,")
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| Error::format(aad, "not a SOPS AES256_GCM value"))?;
    let mut parts = std::collections::HashMap::new();
    for part in inner.split(',') {
        let (name, value) = part.split_once(':').ok_or_else(broken)?;
        parts.insert(name, value);
    }
    let field = |name: &str| parts.get(name).copied().ok_or_else(broken);
    let decode = |name: &str| STANDARD.decode(field(name)?).map_err(|_| broken());
    let (data, iv, tag) = (decode("data")?, decode("iv")?, decode("tag")?);
    if iv.len() != 32 || tag.len() != 16 {
        return Err(broken());
    }
    let mut sealed = data;
    sealed.extend_from_slice(&tag);
    let plain = SopsGcm::new(key.into())
        .decrypt(
            Nonce::<U32>::from_slice(&iv),
            Payload {
                msg: &sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| broken())?;
    Ok((Zeroizing::new(plain), field("type")?.to_owned()))
}

/// Walks a rendered tree into a sops tree: `hash` gets every plaintext in order.
fn encrypt_tree(
    value: &Value,
    key: &[u8; 32],
    path: &mut Vec<String>,
    hash: &mut Sha512,
) -> Result<Yaml, Error> {
    Ok(match value {
        Value::Map(entries) => {
            let mut map = Mapping::new();
            for (name, child) in entries {
                path.push(name.clone());
                map.insert(
                    Yaml::String(name.clone()),
                    encrypt_tree(child, key, path, hash)?,
                );
                path.pop();
            }
            Yaml::Mapping(map)
        }
        Value::List(items) => Yaml::Sequence(
            items
                .iter()
                .map(|item| encrypt_tree(item, key, path, hash))
                .collect::<Result<_, _>>()?,
        ),
        leaf => {
            let aad = format!("{}:", path.join(":"));
            let (bytes, kind) = leaf_bytes(leaf, &aad)?;
            hash.update(bytes.as_bytes());
            if bytes.is_empty() {
                Yaml::String(String::new())
            } else {
                Yaml::String(seal(key, bytes.as_bytes(), &aad, kind)?)
            }
        }
    })
}

/// `value` (a rendered stage) as a SOPS YAML file whose data key is encrypted under the KMS
/// key of the stage's `definition`: one KMS `GenerateDataKey`, with that stage's
/// credentials. When those come from an AWS profile (see [`Kms::per_environment`]), the
/// file's `aws_profile` names it, so that `sops decrypt` and [`read`] use it too.
///
/// # Errors
///
/// [`Error::Kms`]; [`Error::Format`] for a value SOPS cannot hold.
pub async fn write(
    value: &Value,
    definition: &StageDef,
    kms: &Kms,
    now: std::time::SystemTime,
) -> Result<String, Error> {
    let key = kms.generate_plain(definition).await?;
    write_with_key(value, &key, now)
}

/// [`write`] with the data key already made.
fn write_with_key(
    value: &Value,
    key: &PlainKey,
    now: std::time::SystemTime,
) -> Result<String, Error> {
    let data_key: &[u8; 32] = &key.key;
    let mut hash = Sha512::new();
    let Yaml::Mapping(mut root) = encrypt_tree(value, data_key, &mut Vec::new(), &mut hash)? else {
        return Err(Error::format(
            "(rendered config)",
            "SOPS files hold a map at the top",
        ));
    };
    let mac = hex_upper(&hash.finalize());
    let lastmodified = rfc3339(now);
    let mut kms_entry = Mapping::new();
    kms_entry.insert("arn".into(), key.arn.as_str().into());
    kms_entry.insert("created_at".into(), lastmodified.clone().into());
    kms_entry.insert("enc".into(), STANDARD.encode(&key.blob).into());
    kms_entry.insert(
        "aws_profile".into(),
        key.profile.as_deref().unwrap_or_default().into(),
    );
    let mut sops = Mapping::new();
    sops.insert("kms".into(), Yaml::Sequence(vec![Yaml::Mapping(kms_entry)]));
    sops.insert("lastmodified".into(), lastmodified.clone().into());
    sops.insert(
        "mac".into(),
        seal(data_key, mac.as_bytes(), &lastmodified, "str")?.into(),
    );
    sops.insert("unencrypted_suffix".into(), "_unencrypted".into());
    sops.insert("version".into(), SOPS_VERSION.into());
    root.insert("sops".into(), Yaml::Mapping(sops));
    serde_yaml_ng::to_string(&Yaml::Mapping(root))
        .map_err(|e| Error::format("(sops)", &e.to_string()))
}

/// Reads a SOPS YAML or JSON file encrypted with a KMS key: its values, MAC checked.
///
/// # Errors
///
/// [`Error::Format`] naming the path of a value that does not decrypt, a MAC that does not
/// match, or a file without a KMS key; [`Error::Kms`].
pub async fn read(text: &str, kms: &Kms) -> Result<Value, Error> {
    let file = parse(text)?;
    let data_key = kms
        .decrypt_plain(&file.blob, file.profile.as_deref())
        .await?;
    open_with_key(file, &data_key)
}

/// A SOPS file before its data key is decrypted.
struct Parsed {
    root: Mapping,
    sops: Mapping,
    /// The first KMS entry's encrypted data key.
    blob: Vec<u8>,
    /// Its `aws_profile`, when set.
    profile: Option<String>,
}

fn text_of(value: Option<&Yaml>, at: &str) -> Result<String, Error> {
    match value {
        Some(Yaml::String(text)) => Ok(text.clone()),
        _ => Err(Error::format(at, "must be a string")),
    }
}

fn parse(text: &str) -> Result<Parsed, Error> {
    let Yaml::Mapping(mut root) = serde_yaml_ng::from_str(text)
        .map_err(|e| Error::format("(file)", &format!("not YAML or JSON: {e}")))?
    else {
        return Err(Error::format("(file)", "a SOPS file holds a map"));
    };
    let Some(Yaml::Mapping(sops)) = root.remove("sops") else {
        return Err(Error::format("sops", "not a SOPS file: no `sops` metadata"));
    };
    let entry = match sops.get("kms") {
        Some(Yaml::Sequence(entries)) if !entries.is_empty() => entries[0].clone(),
        _ => {
            return Err(Error::format(
                "sops.kms",
                "the file has no KMS key (only KMS is supported)",
            ));
        }
    };
    let blob = STANDARD
        .decode(text_of(entry.get("enc"), "sops.kms[0].enc")?)
        .map_err(|_| Error::format("sops.kms[0].enc", "not base64"))?;
    let profile = match entry.get("aws_profile") {
        Some(Yaml::String(profile)) if !profile.is_empty() => Some(profile.clone()),
        _ => None,
    };
    Ok(Parsed {
        root,
        sops,
        blob,
        profile,
    })
}

/// The values of a parsed file, opened with its data key, MAC checked.
fn open_with_key(file: Parsed, data_key: &[u8; 32]) -> Result<Value, Error> {
    let Parsed { root, sops, .. } = file;
    let suffix =
        text_of(sops.get("unencrypted_suffix"), "sops.unencrypted_suffix").unwrap_or_default();
    let mut hash = Sha512::new();
    let value = decrypt_tree(
        &Yaml::Mapping(root),
        data_key,
        &suffix,
        &mut Vec::new(),
        false,
        &mut hash,
    )?;
    let lastmodified = text_of(sops.get("lastmodified"), "sops.lastmodified")?;
    let (stored, _) = unseal(
        data_key,
        &text_of(sops.get("mac"), "sops.mac")?,
        &lastmodified,
    )?;
    if stored.as_slice() != hex_upper(&hash.finalize()).as_bytes() {
        return Err(Error::format(
            "sops.mac",
            "the MAC does not match: a value was changed, added or removed",
        ));
    }
    Ok(value)
}

fn decrypt_tree(
    node: &Yaml,
    key: &[u8; 32],
    suffix: &str,
    path: &mut Vec<String>,
    plain: bool,
    hash: &mut Sha512,
) -> Result<Value, Error> {
    Ok(match node {
        Yaml::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (name, child) in map {
                let name = match name {
                    Yaml::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                let unencrypted = plain || (!suffix.is_empty() && name.ends_with(suffix));
                path.push(name.clone());
                let value = decrypt_tree(child, key, suffix, path, unencrypted, hash)?;
                path.pop();
                entries.push((name, value));
            }
            Value::Map(entries)
        }
        Yaml::Sequence(items) => Value::List(
            items
                .iter()
                .map(|item| decrypt_tree(item, key, suffix, path, plain, hash))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::String(text) if !plain && !text.is_empty() => {
            let aad = format!("{}:", path.join(":"));
            let (bytes, kind) = unseal(key, text, &aad)?;
            hash.update(&bytes);
            let text = Zeroizing::new(
                String::from_utf8(bytes.to_vec()).map_err(|_| Error::format(&aad, "not text"))?,
            );
            match kind.as_str() {
                "int" => Value::Int(
                    text.parse()
                        .map_err(|_| Error::format(&aad, "not an int"))?,
                ),
                "float" => Value::Float(
                    text.parse()
                        .map_err(|_| Error::format(&aad, "not a float"))?,
                ),
                "bool" => match text.as_str() {
                    "True" | "true" => Value::Bool(true),
                    "False" | "false" => Value::Bool(false),
                    _ => return Err(Error::format(&aad, "not a bool")),
                },
                "str" | "bytes" => Value::Secret(Secret::new(text)),
                _ => return Err(Error::format(&aad, "an unknown SOPS value type")),
            }
        }
        Yaml::String(text) => {
            hash.update(text.as_bytes());
            Value::Str(text.clone())
        }
        Yaml::Number(n) => {
            hash.update(n.to_string().as_bytes());
            n.as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or_default()), Value::Int)
        }
        Yaml::Bool(b) => {
            hash.update(if *b {
                b"True".as_slice()
            } else {
                b"False".as_slice()
            });
            Value::Bool(*b)
        }
        _ => Value::Null,
    })
}

fn hex_upper(bytes: &[u8]) -> String {
    updraft_core::digest::hex(bytes).to_ascii_uppercase()
}

/// `now` as RFC 3339 in UTC, seconds precision (`2006-01-02T15:04:05Z`).
fn rfc3339(now: std::time::SystemTime) -> String {
    let seconds = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = updraft_core::calendar::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> Value {
        Value::Map(vec![
            ("service".into(), Value::Str("orders".into())),
            (
                "db".into(),
                Value::Map(vec![
                    (
                        "password".into(),
                        Value::Secret(Secret::new(Zeroizing::new("hunter2".into()))),
                    ),
                    ("port".into(), Value::Int(5432)),
                    ("ratio".into(), Value::Float(0.5)),
                    ("tls".into(), Value::Bool(true)),
                ]),
            ),
            (
                "hosts".into(),
                Value::List(vec![Value::Str("a".into()), Value::Str("b".into())]),
            ),
            ("empty".into(), Value::Str(String::new())),
        ])
    }

    const KEY: [u8; 32] = [42; 32];

    /// [`stage`] without its empty value: SOPS leaves empty strings unencrypted and out of the
    /// MAC, so their keys can be renamed unnoticed (a limit of the format, kept for interop).
    fn encrypted_stage() -> Value {
        let Value::Map(mut entries) = stage() else {
            unreachable!("stage() is a map")
        };
        entries.retain(|(key, _)| key != "empty");
        Value::Map(entries)
    }

    fn file_of(value: &Value) -> String {
        let key = PlainKey {
            key: Zeroizing::new(KEY),
            blob: b"blob".to_vec(),
            arn: "arn:aws:kms:us-east-1:123456789012:key/k".into(),
            profile: None,
        };
        write_with_key(
            value,
            &key,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        )
        .unwrap()
    }

    fn file() -> String {
        file_of(&encrypted_stage())
    }

    fn read_with_key(text: &str) -> Result<Value, Error> {
        open_with_key(parse(text)?, &KEY)
    }

    #[test]
    fn a_file_round_trips_with_every_kind_of_value() {
        let text = file_of(&stage());
        assert!(
            text.contains("lastmodified: 2023-11-14T22:13:20Z") && text.contains("empty: ''"),
            "{text}"
        );
        let read = read_with_key(&text).unwrap();
        assert_eq!(output::to_json(&read), output::to_json(&stage()));
    }

    /// Property: over thousands of random edits of a valid file (a character changed,
    /// inserted or removed, a bit flipped, the text cut short), reading never panics, and any
    /// file it accepts holds exactly the values that were written.
    #[test]
    fn no_edit_panics_or_changes_a_value_unnoticed() {
        let text = file();
        let original = output::to_json(&encrypted_stage());
        let mut rng = fastrand::Rng::with_seed(3);
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..4_000 {
            let mut bytes = text.clone().into_bytes();
            let at = rng.usize(..bytes.len());
            match round % 4 {
                0 => bytes[at] = rng.u8(0x20..0x7f),
                1 => bytes.insert(at, rng.u8(0x20..0x7f)),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
            if round % 8 == 7 && !bytes.is_empty() {
                let at = rng.usize(..bytes.len());
                bytes[at] ^= 1 << rng.u8(..7);
            }
            let Ok(edited) = String::from_utf8(bytes) else {
                continue;
            };
            match read_with_key(&edited) {
                Ok(value) => {
                    accepted += 1;
                    assert_eq!(output::to_json(&value), original, "round {round}: {edited}");
                }
                Err(error) => {
                    refused += 1;
                    assert!(!error.to_string().contains("hunter2"), "{error}");
                }
            }
        }
        assert!(
            refused > 3_000,
            "most edits are caught: {refused} refused, {accepted} accepted"
        );
    }

    #[test]
    fn malformed_files_are_clear_errors() {
        for (text, expected) in [
            ("[1, 2]", "(file): a SOPS file holds a map"),
            ("a: [", "(file): not YAML or JSON"),
            ("a: 1", "sops: not a SOPS file"),
            ("a: 1\nsops: {kms: []}", "sops.kms: the file has no KMS key"),
            (
                "a: 1\nsops: {kms: [{enc: '%%'}]}",
                "sops.kms[0].enc: not base64",
            ),
            (
                "a: 1\nsops: {kms: [{enc: 3}]}",
                "sops.kms[0].enc: must be a string",
            ),
            (
                "a: 1\nsops: {kms: [{enc: YQ==}], lastmodified: x, mac: 'ENC[AES256_GCM,data:]'}",
                "the SOPS value does not decrypt",
            ),
            (
                "a: 'ENC[AES256_GCM,data:YQ==,iv:YQ==,tag:YQ==,type:str]'\nsops: {kms: [{enc: YQ==}]}",
                "a:: the SOPS value does not decrypt",
            ),
        ] {
            let error = read_with_key(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
