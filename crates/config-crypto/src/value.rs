//! [`Value`]: a stage's rendered configuration. Secrets stay in [`Secret`]s (zeroed on drop,
//! redacted in `Debug`), and the tree deserializes into the service's own struct without an
//! intermediate plain copy of a secret.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use zeroize::Zeroizing;

use crate::Error;

/// A secret value: zeroed on drop, `<redacted>` in `Debug`. Deserialize fields into it to keep
/// them that way in the service's own struct.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// A secret holding `text`.
    #[must_use]
    pub fn new(text: Zeroizing<String>) -> Self {
        Self(text)
    }

    /// The secret's text.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> de::Deserialize<'de> for Secret {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Secret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Secret, E> {
                Ok(Secret(Zeroizing::new(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Secret, E> {
                Ok(Secret(Zeroizing::new(text)))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// One stage's configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Str(String),
    /// A decrypted secret.
    Secret(Secret),
    /// A list.
    List(Vec<Value>),
    /// A map, in file order.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// The value at `key` of a map.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Deserializes the tree into `T` (a secret can go into a [`Secret`] field, or into a
    /// `String` if the service accepts a plain copy).
    ///
    /// # Errors
    ///
    /// [`Error::Format`] naming what did not fit.
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, Error> {
        T::deserialize(self).map_err(|e: DeError| Error::format("(rendered config)", &e.0))
    }
}

/// The error of deserializing a [`Value`].
#[derive(Debug)]
pub struct DeError(String);

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

impl<'de> de::Deserializer<'de> for &'de Value {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Secret(secret) => visitor.visit_borrowed_str(secret.expose()),
            Value::List(items) => visitor.visit_seq(Items(items.iter())),
            Value::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (String, Value)>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without a key"))?;
        seed.deserialize(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Settings {
        name: String,
        port: u16,
        password: Secret,
        ratio: Option<f64>,
        tags: Vec<String>,
    }

    #[test]
    fn a_rendered_tree_deserializes_into_a_struct_and_keeps_secrets_redacted() {
        let tree = Value::Map(vec![
            ("name".into(), Value::Str("svc".into())),
            ("port".into(), Value::Int(8080)),
            (
                "password".into(),
                Value::Secret(Secret::new(Zeroizing::new("hunter2".into()))),
            ),
            ("ratio".into(), Value::Null),
            ("tags".into(), Value::List(vec![Value::Str("a".into())])),
        ]);
        let settings: Settings = tree.deserialize().unwrap();
        assert_eq!(settings.password.expose(), "hunter2");
        assert_eq!(
            (settings.name.as_str(), settings.port, settings.ratio),
            ("svc", 8080, None)
        );
        assert_eq!(settings.tags, ["a"]);
        for debug in [format!("{settings:?}"), format!("{tree:?}")] {
            assert!(!debug.contains("hunter2"), "{debug}");
        }
        let wrong: Result<Settings, _> =
            Value::Map(vec![("port".into(), Value::Str("x".into()))]).deserialize();
        assert!(wrong.is_err());
    }
}
