//! The `{success, data | error}` envelope of directly invoked functions (aws-python-helper's
//! standalone Lambdas), shared by the invoke context that writes it and the invoker that reads it.
//!
//! ```
//! use updraft_core::envelope::Envelope;
//!
//! let ok = Envelope::success(serde_json::json!({"sum": 3}));
//! assert_eq!(serde_json::to_string(&ok)?, r#"{"success":true,"data":{"sum":3}}"#);
//! let failed = Envelope::failure("the sum overflows");
//! assert_eq!(serde_json::to_string(&failed)?, r#"{"success":false,"error":"the sum overflows"}"#);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

/// What a directly invoked function answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Whether the call succeeded.
    pub success: bool,
    /// The result, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// What went wrong, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Envelope {
    /// `{"success": true, "data": …}`.
    #[must_use]
    pub fn success(data: serde_json::Value) -> Self {
        Self {
            success: true,
            data: Some(data),
            error: None,
        }
    }

    /// `{"success": false, "error": "…"}`.
    pub fn failure(error: impl Into<String>) -> Self {
        Self {
            success: false,
            data: None,
            error: Some(error.into()),
        }
    }

    /// The data on success, the error message on failure.
    ///
    /// # Errors
    ///
    /// The envelope's error message when `success` is false (or a note that it gave none).
    pub fn into_result(self) -> Result<serde_json::Value, String> {
        if self.success {
            Ok(self.data.unwrap_or(serde_json::Value::Null))
        } else {
            Err(self
                .error
                .unwrap_or_else(|| "the function failed without a message".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_forms() {
        for envelope in [
            Envelope::success(serde_json::json!([1, 2])),
            Envelope::failure("nope"),
        ] {
            let text = serde_json::to_string(&envelope).unwrap();
            assert_eq!(serde_json::from_str::<Envelope>(&text).unwrap(), envelope);
        }
        assert_eq!(Envelope::failure("x").into_result(), Err("x".to_owned()));
        let python = r#"{"success": true, "data": {"route_id": "r"}}"#;
        assert_eq!(
            serde_json::from_str::<Envelope>(python)
                .unwrap()
                .into_result()
                .unwrap()["route_id"],
            "r"
        );
    }
}
