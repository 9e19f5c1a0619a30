//! The closed form's cryptography: AES-256-GCM per value under a stage's data key, and the
//! stage's MAC over every value it renders.
//!
//! A value is `ENC[UPDRAFT1,<base64 of nonce (12) | ciphertext | tag (16)>]`, sealed with the
//! value's path and the stage definition's literal as additional data, so a ciphertext moved
//! to another path or stage does not open. The MAC is HMAC-SHA256 under a key derived from the
//! data key, over the file's name, the stage, and each entry (path, kind, text) with lengths,
//! so dropping, reordering, or rolling back any value, plain ones included, breaks it.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

const PREFIX: &str = "ENC[UPDRAFT1,";
const NONCE: usize = 12;
const TAG: usize = 16;

/// A stage's 256-bit data key, zeroed on drop.
pub(crate) struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// One entry the MAC covers.
pub(crate) struct MacEntry<'a> {
    /// The value's path, per-stage key included (`config.password.+prod`).
    pub(crate) path: &'a str,
    /// `p` for a plain value, `e` for a sealed one.
    pub(crate) kind: u8,
    /// The value as the file holds it (a plain value's canonical text, or the `ENC[…]` token).
    pub(crate) text: &'a str,
}

type HmacSha256 = Hmac<Sha256>;

impl DataKey {
    /// A data key from KMS's plaintext.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::format("(data key)", "a data key has 32 bytes"))?;
        Ok(Self(Zeroizing::new(key)))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_slice().into())
    }

    /// Seals `plaintext` at `path` for `stage`.
    pub(crate) fn seal(&self, plaintext: &str, path: &str, stage: &str) -> Result<String, Error> {
        let mut nonce = [0_u8; NONCE];
        getrandom::fill(&mut nonce)
            .map_err(|e| Error::format(path, &format!("no randomness for a nonce: {e}")))?;
        let aad = additional_data(path, stage);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Error::format(path, "the value cannot be encrypted"))?;
        let mut token = Vec::with_capacity(NONCE + sealed.len());
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}]", STANDARD.encode(token)))
    }

    /// Opens a token sealed at `path` for `stage`.
    pub(crate) fn open(
        &self,
        token: &str,
        path: &str,
        stage: &str,
    ) -> Result<Zeroizing<String>, Error> {
        let broken = || {
            Error::format(
                path,
                &format!(
                    "the encrypted value does not open for stage `{stage}` (tampered, moved, or another key)"
                ),
            )
        };
        let inner = token
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(']'))
            .ok_or_else(|| Error::format(path, "not an ENC[UPDRAFT1,…] value"))?;
        let bytes = STANDARD.decode(inner).map_err(|_| broken())?;
        if bytes.len() < NONCE + TAG {
            return Err(broken());
        }
        let (nonce, sealed) = bytes.split_at(NONCE);
        let aad = additional_data(path, stage);
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: sealed,
                        aad: aad.as_bytes(),
                    },
                )
                .map_err(|_| broken())?,
        );
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| broken())
    }

    fn mac_key(&self) -> HmacSha256 {
        // A key of its own for the MAC, derived from the data key.
        let mut derive = <HmacSha256 as hmac::KeyInit>::new_from_slice(self.0.as_slice())
            .unwrap_or_else(|_| unreachable_hmac());
        derive.update(b"updraft config mac v1");
        let mac_key: Zeroizing<[u8; 32]> = Zeroizing::new(derive.finalize().into_bytes().into());
        <HmacSha256 as hmac::KeyInit>::new_from_slice(mac_key.as_slice())
            .unwrap_or_else(|_| unreachable_hmac())
    }

    fn mac_of(&self, file: &str, stage: &str, entries: &[MacEntry<'_>]) -> HmacSha256 {
        let mut mac = self.mac_key();
        for part in [file.as_bytes(), stage.as_bytes()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        for entry in entries {
            mac.update(&(entry.path.len() as u64).to_be_bytes());
            mac.update(entry.path.as_bytes());
            mac.update(&[entry.kind]);
            mac.update(&(entry.text.len() as u64).to_be_bytes());
            mac.update(entry.text.as_bytes());
        }
        mac
    }

    /// The stage's MAC, base64.
    pub(crate) fn mac(&self, file: &str, stage: &str, entries: &[MacEntry<'_>]) -> String {
        STANDARD.encode(self.mac_of(file, stage, entries).finalize().into_bytes())
    }

    /// Checks the stage's MAC, in constant time.
    pub(crate) fn verify(
        &self,
        file: &str,
        stage: &str,
        entries: &[MacEntry<'_>],
        mac: &str,
    ) -> Result<(), Error> {
        let expected = STANDARD.decode(mac).unwrap_or_default();
        self.mac_of(file, stage, entries)
            .verify_slice(&expected)
            .map_err(|_| {
                Error::format(
                    &format!("updraft.stages.{stage}.mac"),
                    "the MAC does not match: a value of this stage was changed, moved, dropped or rolled back",
                )
            })
    }
}

/// HMAC takes keys of any length; this cannot be reached.
fn unreachable_hmac() -> HmacSha256 {
    <HmacSha256 as hmac::KeyInit>::new_from_slice(&[0; 32]).unwrap_or_else(|_| unreachable_hmac())
}

fn additional_data(path: &str, stage: &str) -> String {
    format!("{path}\0{stage}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> DataKey {
        DataKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_value_opens_only_where_and_for_whom_it_was_sealed() {
        let prod = key(1);
        let token = prod.seal("s3cret", "config.db.+prod", "prod").unwrap();
        assert!(token.starts_with(PREFIX) && !token.contains("s3cret"));
        assert_eq!(
            prod.open(&token, "config.db.+prod", "prod")
                .unwrap()
                .as_str(),
            "s3cret"
        );
        assert!(
            prod.open(&token, "config.api.+prod", "prod").is_err(),
            "moved to another path"
        );
        assert!(
            prod.open(&token, "config.db.+prod", "dev").is_err(),
            "moved to another stage"
        );
        assert!(
            key(2).open(&token, "config.db.+prod", "prod").is_err(),
            "another key"
        );
        assert_ne!(
            token,
            prod.seal("s3cret", "config.db.+prod", "prod").unwrap(),
            "fresh nonces"
        );
    }

    #[test]
    fn any_flipped_bit_of_a_token_is_caught() {
        let prod = key(1);
        let token = prod.seal("s3cret", "p", "prod").unwrap();
        let inner = &token[PREFIX.len()..token.len() - 1];
        let bytes = STANDARD.decode(inner).unwrap();
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let changed = format!("{PREFIX}{}]", STANDARD.encode(&flipped));
            assert!(prod.open(&changed, "p", "prod").is_err(), "bit {bit}");
        }
    }

    #[test]
    fn the_mac_covers_every_entry_and_its_order() {
        let prod = key(1);
        let entries = [
            MacEntry {
                path: "config.foo",
                kind: b'p',
                text: "bar",
            },
            MacEntry {
                path: "config.db.+prod",
                kind: b'e',
                text: "ENC[UPDRAFT1,x]",
            },
        ];
        let mac = prod.mac("config.yml", "prod", &entries);
        prod.verify("config.yml", "prod", &entries, &mac).unwrap();
        let reordered = [&entries[1], &entries[0]].map(|e| MacEntry { ..*e });
        assert!(prod.verify("config.yml", "prod", &reordered, &mac).is_err());
        assert!(
            prod.verify("config.yml", "prod", &entries[..1], &mac)
                .is_err(),
            "dropped"
        );
        assert!(
            prod.verify("other.yml", "prod", &entries, &mac).is_err(),
            "another file"
        );
        assert!(
            prod.verify("config.yml", "dev", &entries, &mac).is_err(),
            "another stage"
        );
        assert!(
            key(2).verify("config.yml", "prod", &entries, &mac).is_err(),
            "another key"
        );
        let changed = [
            MacEntry {
                path: "config.foo",
                kind: b'p',
                text: "baz",
            },
            MacEntry { ..entries[1] },
        ];
        assert!(
            prod.verify("config.yml", "prod", &changed, &mac).is_err(),
            "a plain value"
        );
        assert!(!format!("{prod:?}").contains('1'));
    }
}
