//! [`Secret`]: a value read from a provider, redacted in `Debug` and `Display` and zeroed when
//! its last copy is dropped.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::de::DeserializeOwned;
use zeroize::Zeroize;

use crate::Error;

/// What `Debug` and `Display` print instead of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// A secret value: text (an SSM parameter, a Secrets Manager `SecretString`) or bytes (a
/// `SecretBinary`). Cheap to clone (copies share one buffer, zeroed when the last is dropped).
/// `Debug` and `Display` print [`REDACTED`]; read it with [`Secret::expose`],
/// [`Secret::json`] or [`Secret::binary`].
#[derive(Clone)]
pub struct Secret {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    value: Value,
    version: Option<String>,
}

enum Value {
    Text(SecretString),
    Binary(SecretSlice<u8>),
}

impl Secret {
    /// A text secret called `name`. The string's buffer moves into the secret.
    #[must_use]
    pub fn from_text(name: impl Into<String>, value: String) -> Self {
        Self::new(name.into(), Value::Text(seal(value)), None)
    }

    /// A binary secret called `name`.
    #[must_use]
    pub fn from_bytes(name: impl Into<String>, value: Vec<u8>) -> Self {
        Self::new(name.into(), Value::Binary(SecretSlice::from(value)), None)
    }

    /// This secret, recorded as `version` (an SSM version or a Secrets Manager version id).
    #[must_use]
    pub fn with_version(self, version: Option<String>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.version = version;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => Self { inner: shared }.copy_with_version(version),
        }
    }

    fn copy_with_version(&self, version: Option<String>) -> Self {
        let value = match &self.inner.value {
            Value::Text(text) => Value::Text(SecretString::from(text.expose_secret())),
            Value::Binary(bytes) => {
                Value::Binary(SecretSlice::from(bytes.expose_secret().to_vec()))
            }
        };
        Self::new(self.inner.name.clone(), value, version)
    }

    fn new(name: String, value: Value, version: Option<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                name,
                value,
                version,
            }),
        }
    }

    /// The name of the parameter or secret it was read from.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The version it was read at, when the provider says.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.inner.version.as_deref()
    }

    /// The text.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a binary secret that is not UTF-8.
    pub fn expose(&self) -> Result<&str, Error> {
        match &self.inner.value {
            Value::Text(text) => Ok(text.expose_secret()),
            Value::Binary(bytes) => std::str::from_utf8(bytes.expose_secret()).map_err(|e| {
                Error::decode(
                    self.name(),
                    format!("the binary value is not UTF-8 (byte {})", e.valid_up_to()),
                )
            }),
        }
    }

    /// The value decoded from JSON into `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] with the path and position of the problem (never the value).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let text = self.expose()?;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let inner = e.inner();
            let what = match inner.classify() {
                serde_json::error::Category::Io | serde_json::error::Category::Syntax => {
                    "is not valid JSON"
                }
                serde_json::error::Category::Eof => "is cut-off JSON",
                serde_json::error::Category::Data => "does not have the expected shape",
            };
            let at = match e.path().to_string().as_str() {
                "." => String::new(),
                path => format!(" at `{path}`"),
            };
            Error::decode(
                self.name(),
                format!(
                    "the value {what}{at} (line {}, column {})",
                    inner.line(),
                    inner.column()
                ),
            )
        })
    }

    /// The bytes: a binary secret's own, or a text secret's base64 (Powertools' `binary`
    /// transform).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for text that is not base64.
    pub fn binary(&self) -> Result<SecretSlice<u8>, Error> {
        match &self.inner.value {
            Value::Binary(bytes) => Ok(SecretSlice::from(bytes.expose_secret().to_vec())),
            Value::Text(text) => base64::engine::general_purpose::STANDARD
                .decode(text.expose_secret().trim())
                .map(SecretSlice::from)
                .map_err(|_| Error::decode(self.name(), "the value is not base64")),
        }
    }

    /// The field at `path` (`db.password`, keys separated by dots) of a JSON object secret, as
    /// a secret of its own: a string field's text, any other field's JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the value is not a JSON object or has no such field.
    pub fn pick(&self, path: &str) -> Result<Secret, Error> {
        let mut value: serde_json::Value = serde_json::from_str(self.expose()?).map_err(|_| {
            Error::decode(
                self.name(),
                format!("the value is not JSON, so it has no field `{path}`"),
            )
        })?;
        let mut field = Some(&mut value);
        for key in path.split('.') {
            field = field.and_then(|v| v.get_mut(key));
        }
        let picked = match field.map(serde_json::Value::take) {
            Some(serde_json::Value::String(text)) => Ok(text),
            Some(serde_json::Value::Null) | None => Err(Error::decode(
                self.name(),
                format!("the JSON value has no field `{path}`"),
            )),
            Some(other) => {
                let text = other.to_string();
                scrub(other);
                Ok(text)
            }
        };
        scrub(value);
        Ok(
            Secret::from_text(format!("{}#{path}", self.name()), picked?)
                .with_version(self.inner.version.clone()),
        )
    }
}

/// Moves `text` into a secret without leaving a copy behind: when the buffer has spare
/// capacity, boxing would reallocate, so the original is copied and zeroed first.
fn seal(mut text: String) -> SecretString {
    if text.capacity() == text.len() {
        return SecretString::from(text);
    }
    let boxed: Box<str> = text.as_str().into();
    text.zeroize();
    SecretString::from(boxed)
}

/// Zeroes the strings of a parsed JSON secret before it is dropped (best effort: `serde_json`
/// keeps numbers in its own type).
fn scrub(value: serde_json::Value) {
    match value {
        serde_json::Value::String(mut text) => text.zeroize(),
        serde_json::Value::Array(items) => items.into_iter().for_each(scrub),
        serde_json::Value::Object(fields) => {
            for (mut key, field) in fields {
                key.zeroize();
                scrub(field);
            }
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("name", &self.inner.name)
            .field("version", &self.inner.version)
            .field("value", &REDACTED)
            .finish()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::from_text("/db/password", "hunter2-very-secret".to_owned());
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(secret.to_string(), REDACTED);
        assert_eq!(secret.expose().unwrap(), "hunter2-very-secret");
    }

    #[test]
    fn json_errors_name_the_place_not_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Db {
            port: u16,
        }
        let secret = Secret::from_text("db", r#"{"port": "hunter2-in-a-field"}"#.to_owned());
        let error = secret.json::<Db>().unwrap_err().to_string();
        assert!(error.contains("`port`"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let broken = Secret::from_text("db", "{\"port\": hunter2".to_owned());
        let error = broken.json::<Db>().unwrap_err().to_string();
        assert!(
            error.contains("not valid JSON") && !error.contains("hunter2"),
            "{error}"
        );
    }

    #[test]
    fn picks_fields_and_reports_missing_ones() {
        let secret = Secret::from_text(
            "db",
            r#"{"user": "app", "port": 5432, "nested": {"password": "pw"}}"#.to_owned(),
        );
        assert_eq!(secret.pick("user").unwrap().expose().unwrap(), "app");
        assert_eq!(secret.pick("port").unwrap().expose().unwrap(), "5432");
        assert_eq!(
            secret.pick("nested.password").unwrap().expose().unwrap(),
            "pw"
        );
        assert!(matches!(secret.pick("password"), Err(Error::Decode { .. })));
        assert!(matches!(
            Secret::from_text("x", "plain".into()).pick("a"),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn binary_reads() {
        assert_eq!(
            Secret::from_bytes("b", vec![0, 1])
                .binary()
                .unwrap()
                .expose_secret(),
            &[0, 1]
        );
        assert_eq!(
            Secret::from_text("t", "AAE=".into())
                .binary()
                .unwrap()
                .expose_secret(),
            &[0, 1]
        );
        assert!(Secret::from_text("t", "%%".into()).binary().is_err());
        assert!(Secret::from_bytes("b", vec![0xff]).expose().is_err());
        assert_eq!(
            Secret::from_bytes("b", b"ok".to_vec()).expose().unwrap(),
            "ok"
        );
    }
}
