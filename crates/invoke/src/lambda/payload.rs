//! The payloads an invoker sends and the replies it reads: the `{"session", "data"}` envelope,
//! the flat form, Lambda's size limits, and the `{success, data | error}` reply.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use updraft_core::Session;
use updraft_core::envelope::Envelope;

use crate::{Error, Function};

/// The largest payload of a synchronous (RequestResponse) invocation: 6 MB.
pub const SYNC_PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
/// The largest payload of an asynchronous (Event) invocation: 1 MB.
pub const ASYNC_PAYLOAD_LIMIT: usize = 1024 * 1024;

/// How the current session travels with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{"session": …, "data": input}`, what the invoke context reads.
    Envelope,
    /// The input object with a `session` field added, for the seed's flat payloads.
    Flat,
}

/// The JSON bytes of `input` in `shape`, with the current session.
pub(crate) fn encode<I: Serialize + ?Sized>(
    function: &Function,
    input: &I,
    shape: Shape,
) -> Result<Vec<u8>, Error> {
    let encode_error = |source| Error::Encode {
        function: function.clone(),
        source,
    };
    let session = Session::current();
    match shape {
        Shape::Envelope => {
            #[derive(Serialize)]
            struct Outgoing<'a, I: ?Sized> {
                #[serde(skip_serializing_if = "Option::is_none")]
                session: Option<&'a Session>,
                data: &'a I,
            }
            serde_json::to_vec(&Outgoing {
                session: session.as_ref(),
                data: input,
            })
            .map_err(encode_error)
        }
        Shape::Flat => {
            let mut object = match serde_json::to_value(input).map_err(encode_error)? {
                Value::Object(object) if !object.contains_key("session") => object,
                _ => {
                    return Err(Error::FlatInput {
                        function: function.clone(),
                    });
                }
            };
            if let Some(session) = session {
                object.insert(
                    "session".to_owned(),
                    serde_json::to_value(session).map_err(encode_error)?,
                );
            }
            serde_json::to_vec(&object).map_err(encode_error)
        }
    }
}

/// Refuses a payload over Lambda's limit for the invocation type.
pub(crate) fn check_size(
    function: &Function,
    payload: &[u8],
    asynchronous: bool,
) -> Result<(), Error> {
    let limit = if asynchronous {
        ASYNC_PAYLOAD_LIMIT
    } else {
        SYNC_PAYLOAD_LIMIT
    };
    if payload.len() > limit {
        return Err(Error::PayloadTooLarge {
            function: function.clone(),
            size: payload.len(),
            limit,
            asynchronous,
        });
    }
    Ok(())
}

/// The error of a reply that carries Lambda's `FunctionError`.
pub(crate) fn function_error(function: &Function, function_error: &str, payload: &[u8]) -> Error {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raised {
        error_type: Option<String>,
        error_message: Option<String>,
    }
    let raised = serde_json::from_slice::<Raised>(payload).ok();
    Error::Function {
        function: function.clone(),
        function_error: function_error.to_owned(),
        error_type: raised.as_ref().and_then(|r| r.error_type.clone()),
        error_message: raised.and_then(|r| r.error_message),
    }
}

/// The data of a `{success, data | error}` reply, as an `O`.
pub(crate) fn decode_envelope<O: DeserializeOwned>(
    function: &Function,
    payload: &[u8],
) -> Result<O, Error> {
    let decode = |reason: String| Error::Decode {
        function: function.clone(),
        reason,
    };
    let envelope: Envelope = serde_json::from_slice(payload).map_err(|e| {
        decode(format!(
            "not a {{success, data | error}} envelope ({})",
            e.classify_name()
        ))
    })?;
    match envelope.into_result() {
        Ok(data) => serde_json::from_value(data).map_err(|e| decode(e.to_string())),
        Err(message) => Err(Error::Envelope {
            function: function.clone(),
            message,
        }),
    }
}

/// Any JSON reply, for functions that are not Updraft's; an empty payload is `null`.
pub(crate) fn decode_raw(function: &Function, payload: &[u8]) -> Result<Value, Error> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(payload).map_err(|e| Error::Decode {
        function: function.clone(),
        reason: format!("not JSON ({})", e.classify_name()),
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "wrong shape",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sum() -> Function {
        Function::new("sum").unwrap()
    }

    #[tokio::test]
    async fn the_envelope_carries_the_current_session_or_none() {
        let input = json!({"a": 1});
        let outside: Value =
            serde_json::from_slice(&encode(&sum(), &input, Shape::Envelope).unwrap()).unwrap();
        assert_eq!(outside, json!({"data": {"a": 1}}));
        let inside = Session::with_state("ohio")
            .scope(async { encode(&sum(), &input, Shape::Envelope).unwrap() })
            .await;
        let inside: Value = serde_json::from_slice(&inside).unwrap();
        assert_eq!(
            inside,
            json!({"session": {"state": "ohio", "user": null}, "data": {"a": 1}})
        );
    }

    #[tokio::test]
    async fn the_flat_form_merges_the_session_and_refuses_one_in_the_input() {
        let flat = Session::with_state("ohio")
            .scope(async { encode(&sum(), &json!({"collection": "orders"}), Shape::Flat).unwrap() })
            .await;
        let flat: Value = serde_json::from_slice(&flat).unwrap();
        assert_eq!(flat["collection"], "orders");
        assert_eq!(flat["session"]["state"], "ohio");
        for bad in [
            json!({"session": {"state": "other"}}),
            json!([1]),
            json!("text"),
        ] {
            let refused = Session::with_state("ohio")
                .scope(async { encode(&sum(), &bad, Shape::Flat) })
                .await;
            assert!(matches!(refused, Err(Error::FlatInput { .. })), "{bad}");
        }
    }

    #[test]
    fn sizes_are_checked_per_invocation_type() {
        let payload = vec![b' '; ASYNC_PAYLOAD_LIMIT + 1];
        assert!(check_size(&sum(), &payload, false).is_ok());
        let error = check_size(&sum(), &payload, true).unwrap_err();
        assert!(matches!(
            error,
            Error::PayloadTooLarge { size, limit: ASYNC_PAYLOAD_LIMIT, asynchronous: true, .. }
                if size == ASYNC_PAYLOAD_LIMIT + 1
        ));
        assert!(check_size(&sum(), &vec![0; SYNC_PAYLOAD_LIMIT + 1], false).is_err());
    }

    #[test]
    fn replies_decode_into_data_envelope_errors_or_decode_errors() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Sum {
            sum: i64,
        }
        let ok: Sum = decode_envelope(&sum(), br#"{"success": true, "data": {"sum": 3}}"#).unwrap();
        assert_eq!(ok, Sum { sum: 3 });
        let cases: [(&[u8], &str); 6] = [
            (
                br#"{"success": false, "error": "b is missing"}"#,
                "Envelope",
            ),
            (br#"{"success": true, "data": {"total": 3}}"#, "Decode"),
            (br#"{"sum": 3}"#, "Decode"),
            (b"not json", "Decode"),
            (b"", "Decode"),
            (br#"{"success": "yes"}"#, "Decode"),
        ];
        for (reply, expected) in cases {
            let error = decode_envelope::<Sum>(&sum(), reply).unwrap_err();
            let variant = match &error {
                Error::Envelope { message, .. } => {
                    assert_eq!(message, "b is missing");
                    "Envelope"
                }
                Error::Decode { .. } => "Decode",
                other => panic!("{other:?}"),
            };
            assert_eq!(variant, expected, "{}", String::from_utf8_lossy(reply));
            assert!(error.to_string().contains("function `sum`"), "{error}");
        }
        assert_eq!(decode_raw(&sum(), b"").unwrap(), Value::Null);
        assert_eq!(decode_raw(&sum(), b"[1]").unwrap(), json!([1]));
        assert!(decode_raw(&sum(), b"{").is_err());
    }

    #[test]
    fn a_function_error_keeps_its_type_and_message_and_tolerates_any_payload() {
        let raised = function_error(
            &sum(),
            "Unhandled",
            br#"{"errorType": "ValueError", "errorMessage": "boom", "trace": []}"#,
        );
        assert!(matches!(
            &raised,
            Error::Function { function_error, error_type: Some(t), error_message: Some(m), .. }
                if function_error == "Unhandled" && t == "ValueError" && m == "boom"
        ));
        assert_eq!(
            raised.to_string(),
            "function `sum` raised an error (Unhandled)"
        );
        let garbled = function_error(&sum(), "Handled", b"\xff\xfe");
        assert!(matches!(
            garbled,
            Error::Function {
                error_type: None,
                error_message: None,
                ..
            }
        ));
    }
}
