//! The metrics crate's error, and the checks that keep every document CloudWatch accepts.

use std::borrow::Cow;

use updraft_core::{Kind, Surface};

/// At most this many dimensions in one dimension set (the defaults included).
pub const MAX_DIMENSIONS: usize = 30;

/// At most this many metrics in one EMF document; more are split across documents.
pub const MAX_METRICS_PER_DOCUMENT: usize = 100;

/// At most this many values of one metric in one document; more are split across documents.
pub const MAX_VALUES_PER_METRIC: usize = 100;

/// The root members every document may carry besides metrics and dimensions; names a metric,
/// dimension or property cannot take.
pub(crate) const RESERVED: [&str; 3] = ["_aws", "request_id", "xray_trace_id"];

/// Why a metric, dimension, property or setting was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A namespace, metric, dimension or property name CloudWatch would not take.
    #[error("invalid {what} {name:?}: {reason}")]
    Name {
        /// What was named: `namespace`, `metric name`, `dimension name`, ….
        what: &'static str,
        /// The name, cut to 64 characters.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A unit CloudWatch does not know.
    #[error("unknown unit {0:?}: use one of CloudWatch's units, such as Count or Milliseconds")]
    Unit(String),
    /// A value CloudWatch would reject: not finite, or outside ±2^360, or nonzero and
    /// smaller in magnitude than 2^-260.
    #[error("metric {name:?}: {value} is not a value CloudWatch stores")]
    Value {
        /// The metric.
        name: String,
        /// The value.
        value: f64,
    },
    /// More than [`MAX_DIMENSIONS`] dimensions in one set.
    #[error("a dimension set has at most {MAX_DIMENSIONS} dimensions")]
    TooManyDimensions,
    /// A name already used by a different member of the same document: a metric named as a
    /// dimension, a metric recorded again with another unit or resolution, ….
    #[error("{name:?} is already {existing}")]
    Conflict {
        /// The name.
        name: String,
        /// What it already is.
        existing: &'static str,
    },
    /// A property value that does not serialize to JSON.
    #[error("property {name:?} does not serialize: {reason}")]
    Property {
        /// The property.
        name: String,
        /// Why.
        reason: String,
    },
    /// No namespace: neither set in code nor in `UPDRAFT_METRICS_NAMESPACE`.
    #[error("no metrics namespace: set UPDRAFT_METRICS_NAMESPACE or call Metrics::namespace")]
    NoNamespace,
    /// A malformed variable or `.env` file; the message names it.
    #[error("{0}")]
    Env(String),
}

impl From<updraft_core::Error> for Error {
    fn from(error: updraft_core::Error) -> Self {
        Error::Env(error.to_string())
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        Kind::Config
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Name { .. } => "updraft.metrics.InvalidName",
            Error::Unit(_) => "updraft.metrics.InvalidUnit",
            Error::Value { .. } => "updraft.metrics.InvalidValue",
            Error::TooManyDimensions => "updraft.metrics.TooManyDimensions",
            Error::Conflict { .. } => "updraft.metrics.Conflict",
            Error::Property { .. } => "updraft.metrics.InvalidProperty",
            Error::NoNamespace => "updraft.metrics.NoNamespace",
            Error::Env(_) => "updraft.metrics.Config",
        }
    }

    fn public_message(&self) -> Cow<'static, str> {
        Cow::Borrowed(Kind::Config.public_message())
    }
}

fn name_error(what: &'static str, name: &str, reason: &'static str) -> Error {
    Error::Name {
        what,
        name: name.chars().take(64).collect(),
        reason,
    }
}

/// A CloudWatch namespace: 1 to 255 letters, digits and `. - _ / # :` or spaces, not `AWS/…`.
pub(crate) fn namespace(name: &str) -> Result<(), Error> {
    let what = "namespace";
    if name.is_empty() || name.len() > 255 {
        return Err(name_error(what, name, "it has 1 to 255 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c))
    {
        return Err(name_error(
            what,
            name,
            "it holds letters, digits, spaces and . - _ / # : only",
        ));
    }
    if name.starts_with("AWS/") {
        return Err(name_error(what, name, "AWS/ namespaces are AWS's own"));
    }
    Ok(())
}

/// A metric name: 1 to 255 characters, no control characters, not a reserved member.
pub(crate) fn metric_name(name: &str) -> Result<(), Error> {
    member("metric name", name, 255)
}

/// A dimension name: 1 to 255 visible ASCII characters (spaces inside allowed), not starting
/// with `:`, not a reserved member.
pub(crate) fn dimension_name(name: &str) -> Result<(), Error> {
    let what = "dimension name";
    member(what, name, 255)?;
    if !name.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err(name_error(what, name, "it is printable ASCII"));
    }
    if name.starts_with(':') {
        return Err(name_error(what, name, "it cannot start with ':'"));
    }
    Ok(())
}

/// A dimension value: 1 to 1024 characters, not only whitespace, no control characters.
pub(crate) fn dimension_value(name: &str, value: &str) -> Result<(), Error> {
    let bad = |reason| Error::Name {
        what: "dimension value",
        name: format!("{}={}", name, value.chars().take(48).collect::<String>()),
        reason,
    };
    if value.trim().is_empty() || value.chars().count() > 1024 {
        return Err(bad("it has 1 to 1024 characters, not all blank"));
    }
    if value.chars().any(char::is_control) {
        return Err(bad("it has no control characters"));
    }
    Ok(())
}

/// A property name: as a metric name.
pub(crate) fn property_name(name: &str) -> Result<(), Error> {
    member("property name", name, 255)
}

fn member(what: &'static str, name: &str, max: usize) -> Result<(), Error> {
    if name.trim().is_empty() || name.chars().count() > max {
        return Err(name_error(
            what,
            name,
            "it has 1 to 255 characters, not all blank",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(name_error(what, name, "it has no control characters"));
    }
    if RESERVED.contains(&name) {
        return Err(name_error(what, name, "the name is reserved"));
    }
    Ok(())
}

/// A value CloudWatch stores: finite, within ±2^360, zero or at least 2^-260 in magnitude.
pub(crate) fn value(name: &str, value: f64) -> Result<(), Error> {
    let magnitude = value.abs();
    let stored = value.is_finite()
        && magnitude <= 2f64.powi(360)
        && (value == 0.0 || magnitude >= 2f64.powi(-260));
    if stored {
        Ok(())
    } else {
        Err(Error::Value {
            name: name.chars().take(64).collect(),
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_cloudwatchs_rules() {
        assert!(namespace("Updraft/Orders").is_ok());
        assert!(namespace("my app:v2 #1").is_ok());
        for bad in ["", "AWS/Lambda", "émoji", "a\nb", &"n".repeat(256)] {
            assert!(namespace(bad).is_err(), "{bad:?}");
        }
        assert!(metric_name("OrdersPlaced").is_ok());
        assert!(metric_name("Latency p99 (ms) ✓").is_ok());
        for bad in ["", "  ", "a\tb", "_aws", "request_id", &"m".repeat(256)] {
            assert!(metric_name(bad).is_err(), "{bad:?}");
        }
        assert!(dimension_name("service").is_ok());
        for bad in [":colon", "é", "x\u{7f}", "xray_trace_id"] {
            assert!(dimension_name(bad).is_err(), "{bad:?}");
        }
        assert!(dimension_value("stage", "prod eu").is_ok());
        for bad in ["", "   ", "a\nb", &"v".repeat(1025)] {
            assert!(dimension_value("stage", bad).is_err(), "{bad:?}");
        }
        let err = metric_name("_aws").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid metric name \"_aws\": the name is reserved"
        );
        assert_eq!(err.error_type(), "updraft.metrics.InvalidName");
    }

    #[test]
    fn values_are_what_cloudwatch_stores() {
        for good in [0.0, -0.0, 1.0, -5.5, 1e100, 2f64.powi(360), 2f64.powi(-260)] {
            assert!(value("m", good).is_ok(), "{good}");
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, 1e-300] {
            let err = value("m", bad).unwrap_err();
            assert!(matches!(err, Error::Value { .. }), "{bad}");
        }
    }
}
