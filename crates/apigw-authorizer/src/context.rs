//! [`Context`]: what an authorizer passes on to the integration, as
//! `$context.authorizer.<key>` or `event.requestContext.authorizer`. API Gateway takes only
//! string, number and boolean values, and the type takes nothing else.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Error;

/// One context value: a string, a number or a boolean.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ContextValue {
    /// A string.
    String(String),
    /// A number (finite).
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
}

/// The context of an authorizer response. Keys are unique and kept in order.
///
/// # Example
///
/// ```
/// use updraft_apigw_authorizer::Context;
///
/// let context = Context::new().string("user", "demo")?.number("tier", 2)?.boolean("admin", false)?;
/// assert_eq!(serde_json::to_string(&context).unwrap(), r#"{"admin":false,"tier":2,"user":"demo"}"#);
/// assert!(Context::new().number("ratio", f64::NAN).is_err());
/// # Ok::<(), updraft_apigw_authorizer::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Context {
    entries: BTreeMap<String, ContextValue>,
}

/// A number a context can hold: an integer, or a finite float.
pub trait ContextNumber {
    /// The JSON number, `None` for a NaN or an infinity.
    fn to_number(self) -> Option<serde_json::Number>;
}

macro_rules! integer_numbers {
    ($($t:ty),*) => {$(
        impl ContextNumber for $t {
            fn to_number(self) -> Option<serde_json::Number> {
                Some(serde_json::Number::from(self))
            }
        }
    )*};
}
integer_numbers!(i8, i16, i32, i64, u8, u16, u32, u64);

impl ContextNumber for f64 {
    fn to_number(self) -> Option<serde_json::Number> {
        serde_json::Number::from_f64(self)
    }
}

impl Context {
    /// An empty context.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.get(key)
    }

    fn insert(mut self, key: impl Into<String>, value: ContextValue) -> Result<Self, Error> {
        let key = key.into();
        let reason = if key.is_empty() {
            Some("the key is empty")
        } else if key.chars().any(char::is_control) {
            Some("the key holds control characters")
        } else if self.entries.contains_key(&key) {
            Some("the key is set twice")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::InvalidContext { key, reason });
        }
        self.entries.insert(key, value);
        Ok(self)
    }

    /// With a string value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidContext`] for an empty or repeated key.
    pub fn string(self, key: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        self.insert(key, ContextValue::String(value.into()))
    }

    /// With a number value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidContext`] for a NaN or infinite float, or an empty or repeated key.
    pub fn number(self, key: impl Into<String>, value: impl ContextNumber) -> Result<Self, Error> {
        let key = key.into();
        match value.to_number() {
            Some(number) => self.insert(key, ContextValue::Number(number)),
            None => Err(Error::InvalidContext {
                key,
                reason: "a context number must be finite",
            }),
        }
    }

    /// With a boolean value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidContext`] for an empty or repeated key.
    pub fn boolean(self, key: impl Into<String>, value: bool) -> Result<Self, Error> {
        self.insert(key, ContextValue::Bool(value))
    }
}
