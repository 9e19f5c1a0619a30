//! [`ValueError`]: a value that does not encode, or an attribute that does not decode, and
//! where in the item it is.

use std::fmt;

use super::{AttributeValue, type_name};

/// A value that has no DynamoDB form, or an attribute value that does not fit its Rust type.
/// It names the attribute path (`info.actors[2]`) and never holds the value itself, which may
/// be sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Path segments, innermost first (they are added as the error travels outwards).
    path: Vec<String>,
    reason: String,
}

impl ValueError {
    /// An error at the current value.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            reason: reason.into(),
        }
    }

    /// An attribute of another DynamoDB type than `expected`.
    #[must_use]
    pub fn wrong_type(expected: &str, got: &AttributeValue) -> Self {
        Self::new(format!("expected {expected}, found {}", type_name(got)))
    }

    /// A required attribute the item does not have.
    #[must_use]
    pub fn missing() -> Self {
        Self::new("the item has no such attribute, and its type needs one")
    }

    /// The same error, inside the attribute `name`.
    #[must_use]
    pub fn within(mut self, name: &str) -> Self {
        self.path.push(format!(".{name}"));
        self
    }

    /// The same error, inside list element `index`.
    #[must_use]
    pub fn at(mut self, index: usize) -> Self {
        self.path.push(format!("[{index}]"));
        self
    }

    /// The attribute path, such as `info.actors[2]` (empty for the value itself).
    #[must_use]
    pub fn path(&self) -> String {
        let joined: String = self.path.iter().rev().map(String::as_str).collect();
        joined
            .strip_prefix('.')
            .map(str::to_owned)
            .unwrap_or(joined)
    }

    /// Why.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path(), self.reason)
        }
    }
}

impl std::error::Error for ValueError {}

impl From<crate::NumberError> for ValueError {
    fn from(error: crate::NumberError) -> Self {
        Self::new(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_outside_in() {
        let error = ValueError::new("not a number")
            .at(2)
            .within("actors")
            .within("info");
        assert_eq!(error.path(), "info.actors[2]");
        assert_eq!(error.to_string(), "info.actors[2]: not a number");
        assert_eq!(ValueError::new("x").to_string(), "x");
        let wrong = ValueError::wrong_type("N", &AttributeValue::S("secret".into()));
        assert_eq!(wrong.to_string(), "expected N, found S");
    }
}
