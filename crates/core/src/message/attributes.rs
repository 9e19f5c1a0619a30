//! Building and checking message attributes, by the rules SNS and SQS share.
//!
//! Names: 1–256 characters of `A-Z a-z 0-9 _ - .`, not starting with `AWS.` or `Amazon.`
//! (in any case), not starting or ending with `.`, and without `..`. Values: text may hold only
//! the characters XML allows; numbers must be finite, within ±10^126 and 38 significant digits.
//! At most ten attributes per message.

use std::collections::BTreeMap;

use super::{AttributeValue, MAX_ATTRIBUTES};

/// Message attributes under construction, typed from Rust values.
///
/// # Example
///
/// ```
/// use updraft_core::message::{AttributeValue, Attributes};
///
/// let attributes = Attributes::new()
///     .string("priority", "high")
///     .number("attempt", 3)
///     .binary("checksum", [0xde, 0xad])
///     .string_array("tags", ["a", "b"])
///     .build()?;
/// assert_eq!(attributes["attempt"], AttributeValue::Number("3".into()));
/// assert_eq!(attributes["tags"], AttributeValue::StringArray(r#"["a","b"]"#.into()));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Attributes {
    values: BTreeMap<String, AttributeValue>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// A `String` attribute.
    pub fn string(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.values
            .insert(name.into(), AttributeValue::String(value.into()));
        self
    }

    /// A `Number` attribute, from any integer or float (checked by [`Attributes::build`]).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "by value, so `.number(\"n\", 3)` reads naturally"
    )]
    pub fn number(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.values
            .insert(name.into(), AttributeValue::Number(value.to_string()));
        self
    }

    /// A `Binary` attribute.
    pub fn binary(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.values
            .insert(name.into(), AttributeValue::Binary(value.as_ref().to_vec()));
        self
    }

    /// A `String.Array` attribute (SNS only) of strings.
    pub fn string_array<I, S>(mut self, name: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Vec<serde_json::Value> = values
            .into_iter()
            .map(|v| serde_json::Value::String(v.into()))
            .collect();
        self.values.insert(
            name.into(),
            AttributeValue::StringArray(serde_json::Value::Array(values).to_string()),
        );
        self
    }

    /// Adds an attribute already typed.
    pub fn value(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.values.insert(name.into(), value);
        self
    }

    /// Checks every name and value and returns the map.
    ///
    /// # Errors
    ///
    /// The first rule broken, naming the attribute.
    pub fn build(self) -> Result<BTreeMap<String, AttributeValue>, String> {
        validate(&self.values)?;
        Ok(self.values)
    }
}

/// Checks a map of attributes against the SNS/SQS rules.
///
/// # Errors
///
/// The first rule broken, naming the attribute.
pub fn validate(attributes: &BTreeMap<String, AttributeValue>) -> Result<(), String> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(format!(
            "a message takes at most {MAX_ATTRIBUTES} attributes, not {}",
            attributes.len()
        ));
    }
    for (name, value) in attributes {
        validate_name(name)?;
        validate_value(name, value)?;
    }
    Ok(())
}

/// Checks an attribute name.
///
/// # Errors
///
/// Why the name is rejected.
pub fn validate_name(name: &str) -> Result<(), String> {
    let lower = name.to_ascii_lowercase();
    let reason = if name.is_empty() {
        "is empty"
    } else if name.chars().count() > 256 {
        "is longer than 256 characters"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        "may hold only letters, digits, `_`, `-` and `.`"
    } else if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        "may not start with `AWS.` or `Amazon.`"
    } else if name.starts_with('.') || name.ends_with('.') {
        "may not start or end with `.`"
    } else if name.contains("..") {
        "may not hold `..`"
    } else {
        return Ok(());
    };
    Err(format!("the attribute name `{name}` {reason}"))
}

fn validate_value(name: &str, value: &AttributeValue) -> Result<(), String> {
    let fail = |reason: &str| Err(format!("the attribute `{name}` {reason}"));
    match value {
        AttributeValue::String(text) => {
            if text.is_empty() {
                return fail("is an empty string");
            }
            if !text.chars().all(xml_char) {
                return fail("holds a character SNS and SQS do not accept");
            }
        }
        AttributeValue::Number(text) => {
            let Ok(number) = text.trim().parse::<f64>() else {
                return fail("is not a number");
            };
            let digits = text.chars().filter(char::is_ascii_digit).count();
            if !number.is_finite() || number.abs() > 1e126 || digits > 38 {
                return fail("is outside ±10^126 or has more than 38 digits");
            }
        }
        AttributeValue::Binary(bytes) => {
            if bytes.is_empty() {
                return fail("is empty binary");
            }
        }
        AttributeValue::StringArray(json) => {
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(serde_json::Value::Array(items))
                    if items.iter().all(|i| {
                        i.is_string() || i.is_number() || i.is_boolean() || i.is_null()
                    }) => {}
                _ => return fail("is not a JSON array of strings, numbers, booleans or null"),
            }
        }
    }
    Ok(())
}

/// The characters XML 1.0 allows, which SNS and SQS accept in text.
fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_follow_the_rules() {
        for good in ["priority", "a.b", "x-y_z", "A1", &"n".repeat(256)] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "AWS.thing",
            "amazon.x",
            ".start",
            "end.",
            "a..b",
            "has space",
            "ünï",
            &"n".repeat(257),
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_follow_the_rules() {
        let check = |value| validate_value("v", &value);
        assert!(check(AttributeValue::Number("-12.5e3".into())).is_ok());
        assert!(check(AttributeValue::Number("1e200".into())).is_err());
        assert!(
            check(AttributeValue::Number(
                "12345678901234567890123456789012345678901".into()
            ))
            .is_err()
        );
        assert!(check(AttributeValue::Number("NaN".into())).is_err());
        assert!(check(AttributeValue::String("ok".into())).is_ok());
        assert!(check(AttributeValue::String("bell \u{7}".into())).is_err());
        assert!(check(AttributeValue::String(String::new())).is_err());
        assert!(check(AttributeValue::StringArray("[1, \"a\", null]".into())).is_ok());
        assert!(check(AttributeValue::StringArray("{\"a\": 1}".into())).is_err());
        assert!(check(AttributeValue::Binary(Vec::new())).is_err());
    }

    #[test]
    fn at_most_ten_attributes() {
        let eleven = (0..11).fold(Attributes::new(), |a, i| a.string(format!("k{i}"), "v"));
        assert!(eleven.build().unwrap_err().contains("at most 10"));
    }

    proptest! {
        #[test]
        fn validation_never_panics(name in "\\PC{0,40}", text in "\\PC{0,40}") {
            let _ = Attributes::new().string(name.clone(), text.clone()).number(name, text).build();
        }
    }
}
