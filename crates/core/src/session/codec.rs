//! The wire formats of a [`Session`], compatible with aws-python-helper.
//!
//! | where | format | functions |
//! |---|---|---|
//! | SNS / SQS message attribute named [`ATTRIBUTE_NAME`] (`session`) | base64 of the JSON object, a `String` attribute | [`Session::to_attribute`], [`Session::from_attribute`] |
//! | environment variable [`ENV_VAR`] (`SESSION`), as set on Fargate tasks | the JSON object | [`Session::to_env_value`], [`Session::from_env_value`], [`Session::from_env`] |
//! | an HTTP header with a name you choose | the state alone, or base64 JSON | [`SessionHeader`] |
//!
//! The JSON object is `{"state": "...", "user": {...}}`; both keys may be missing or `null`, and
//! unknown keys are ignored so that newer senders do not break older readers. Base64 keeps the
//! attribute clear of SNS filter-policy parsing, as aws-python-helper intended.
//!
//! Decoding never panics. A malformed value gives [`Error::MalformedSession`], which names
//! where the value came from but never repeats it: a session may hold personal data.

// Over 400 lines with its tests; the code is about 280 lines.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::Session;
use crate::{Env, Error};

/// The name of the SNS/SQS message attribute that carries the session.
pub const ATTRIBUTE_NAME: &str = "session";

/// The environment variable that carries the session into a Fargate task.
pub const ENV_VAR: &str = "SESSION";

/// The header aws-python-helper reads the state from.
pub const DEFAULT_STATE_HEADER: &str = "constitution-state";

/// Sessions larger than this are rejected before decoding (SNS caps a whole message at 256 KiB).
const MAX_ENCODED_LEN: usize = 256 * 1024;

/// Standard base64 that accepts input with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Session {
    /// The JSON text of this session.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::json!({ "state": self.state, "user": self.user }).to_string()
    }

    /// Parses the JSON text of a session. `origin` names where it came from, for the error.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the text is not a session object.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, Error> {
        let malformed = |reason: String| Error::MalformedSession {
            origin: origin.to_owned(),
            reason,
        };
        if text.len() > MAX_ENCODED_LEN {
            return Err(malformed(format!(
                "it is {} bytes, over the {MAX_ENCODED_LEN} byte limit",
                text.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            malformed(format!(
                "not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if !value.is_object() {
            return Err(malformed(
                "expected a JSON object with `state` and `user`".into(),
            ));
        }
        serde_json::from_value(value).map_err(|e| malformed(shape_error(&e)))
    }

    /// The value of the `session` message attribute: base64 of the JSON object.
    #[must_use]
    pub fn to_attribute(&self) -> String {
        BASE64.encode(self.to_json())
    }

    /// Decodes the value of a `session` message attribute.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the value is not base64, not UTF-8 or not a session.
    pub fn from_attribute(value: &str) -> Result<Self, Error> {
        decode_base64_json(value, "the session message attribute")
    }

    /// The value of the `SESSION` environment variable: the JSON object.
    #[must_use]
    pub fn to_env_value(&self) -> String {
        self.to_json()
    }

    /// Decodes the value of a `SESSION` environment variable.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the value is not a session object.
    pub fn from_env_value(value: &str) -> Result<Self, Error> {
        Self::from_json(value, "the SESSION variable")
    }

    /// The session in the `SESSION` variable of `env`, or `None` when it is unset or empty.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the variable is set but malformed.
    pub fn from_env(env: &Env) -> Result<Option<Self>, Error> {
        env.non_empty(ENV_VAR).map(Self::from_env_value).transpose()
    }
}

/// What a session header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderFormat {
    /// The state as plain text, as aws-python-helper's `constitution-state` header. The user is
    /// not carried: it comes from the request's own authentication.
    State,
    /// The whole session as base64 JSON, for calls between trusted services.
    Base64Json,
}

/// Reads and writes a session in an HTTP header whose name you choose.
///
/// # Example
///
/// ```
/// use http::HeaderMap;
/// use updraft_core::{Session, SessionHeader};
///
/// let header = SessionHeader::state("constitution-state")?;
/// let mut headers = HeaderMap::new();
/// header.encode(&Session::with_state("connecticut"), &mut headers)?;
/// assert_eq!(headers["constitution-state"], "connecticut");
/// assert_eq!(header.decode(&headers)?, Some(Session::with_state("connecticut")));
/// # Ok::<(), updraft_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionHeader {
    name: HeaderName,
    format: HeaderFormat,
}

impl SessionHeader {
    /// A header named `name` that carries the state alone.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] if `name` is not a valid header name.
    pub fn state(name: impl AsRef<str>) -> Result<Self, Error> {
        Self::new(name, HeaderFormat::State)
    }

    /// A header named `name` that carries the whole session as base64 JSON.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] if `name` is not a valid header name.
    pub fn base64_json(name: impl AsRef<str>) -> Result<Self, Error> {
        Self::new(name, HeaderFormat::Base64Json)
    }

    /// A header named `name` in `format`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] if `name` is not a valid header name.
    pub fn new(name: impl AsRef<str>, format: HeaderFormat) -> Result<Self, Error> {
        let name = name.as_ref();
        let name = HeaderName::try_from(name.to_ascii_lowercase()).map_err(|_| {
            Error::invalid_var(
                "session header",
                format!("`{name}` is not a valid header name"),
            )
        })?;
        Ok(Self { name, format })
    }

    /// The header's name.
    #[must_use]
    pub fn name(&self) -> &HeaderName {
        &self.name
    }

    /// The header's format.
    #[must_use]
    pub fn format(&self) -> HeaderFormat {
        self.format
    }

    /// The session carried by `headers`, or `None` when the header is absent or empty.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the header is present but malformed, or repeated with
    /// different values.
    pub fn decode(&self, headers: &HeaderMap) -> Result<Option<Session>, Error> {
        let origin = || format!("the {} header", self.name);
        let malformed = |reason: &str| Error::MalformedSession {
            origin: origin(),
            reason: reason.to_owned(),
        };
        let mut values = headers.get_all(&self.name).iter();
        let Some(first) = values.next() else {
            return Ok(None);
        };
        if values.any(|other| other != first) {
            return Err(malformed("it is repeated with different values"));
        }
        let text = first
            .to_str()
            .map_err(|_| malformed("it is not visible ASCII"))?
            .trim();
        if text.is_empty() {
            return Ok(None);
        }
        match self.format {
            HeaderFormat::State => Ok(Some(Session::with_state(text))),
            HeaderFormat::Base64Json => decode_base64_json(text, &origin()).map(Some),
        }
    }

    /// Writes `session` into `headers`, replacing any earlier value. A session without a state
    /// removes the header in [`HeaderFormat::State`].
    ///
    /// # Errors
    ///
    /// [`Error::SessionEncode`] when the state cannot be a header value (control characters).
    pub fn encode(&self, session: &Session, headers: &mut HeaderMap) -> Result<(), Error> {
        let text = match self.format {
            HeaderFormat::State => {
                if let Some(state) = session.state.as_deref() {
                    state.to_owned()
                } else {
                    headers.remove(&self.name);
                    return Ok(());
                }
            }
            HeaderFormat::Base64Json => session.to_attribute(),
        };
        let value = HeaderValue::try_from(text).map_err(|_| Error::SessionEncode {
            target: format!("the {} header", self.name),
            reason: "the state holds characters a header cannot carry".into(),
        })?;
        headers.insert(self.name.clone(), value);
        Ok(())
    }
}

fn decode_base64_json(value: &str, origin: &str) -> Result<Session, Error> {
    let malformed = |reason: &str| Error::MalformedSession {
        origin: origin.to_owned(),
        reason: reason.to_owned(),
    };
    if value.len() > MAX_ENCODED_LEN * 4 / 3 + 4 {
        return Err(malformed("it is over the 256 KiB limit"));
    }
    let bytes = BASE64
        .decode(value.trim())
        .map_err(|_| malformed("not base64"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| malformed("the decoded bytes are not UTF-8"))?;
    Session::from_json(&text, origin)
}

fn shape_error(error: &serde_json::Error) -> String {
    // serde's message names the field and the expected type, never the value.
    let message = error.to_string();
    match message.find(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn full() -> Session {
        Session::with_state("connecticut").and_user(json!({"id": "u-1", "roles": ["clerk"]}))
    }

    #[test]
    fn attribute_round_trips_and_is_base64_json() {
        let encoded = full().to_attribute();
        let json: serde_json::Value =
            serde_json::from_slice(&BASE64.decode(&encoded).unwrap()).unwrap();
        assert_eq!(json["state"], "connecticut");
        assert_eq!(Session::from_attribute(&encoded).unwrap(), full());
    }

    #[test]
    fn reads_what_aws_python_helper_writes() {
        // base64.b64encode(json.dumps({"state": "ct", "user": None}).encode()).decode()
        let python = "eyJzdGF0ZSI6ICJjdCIsICJ1c2VyIjogbnVsbH0=";
        assert_eq!(
            Session::from_attribute(python).unwrap(),
            Session::with_state("ct")
        );
        assert_eq!(
            Session::from_env_value(r#"{"state": "ct", "extra": 1}"#).unwrap(),
            Session::with_state("ct")
        );
    }

    #[test]
    fn env_round_trips() {
        let env = Env::from_pairs([(ENV_VAR, full().to_env_value())]);
        assert_eq!(Session::from_env(&env).unwrap(), Some(full()));
        assert_eq!(Session::from_env(&Env::default()).unwrap(), None);
    }

    #[test]
    fn malformed_session_variable_is_a_typed_error_without_the_value() {
        for bad in [r#"{"state": "ct""#, "[1,2]", r#"{"state": 5}"#, "null"] {
            let env = Env::from_pairs([(ENV_VAR, bad)]);
            let err = Session::from_env(&env).unwrap_err();
            assert!(
                matches!(err, Error::MalformedSession { .. }),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("SESSION"), "{err}");
        }
        let err = Session::from_env_value(r#"{"state": "ct", "user": "u", "#).unwrap_err();
        assert!(!err.to_string().contains("ct"), "{err}");
    }

    #[test]
    fn malformed_attributes_are_typed_errors() {
        for bad in ["%%%", "bm90IGpzb24=", "/w==", ""] {
            let err = Session::from_attribute(bad).unwrap_err();
            assert!(matches!(err, Error::MalformedSession { .. }), "{bad}");
        }
        assert!(Session::from_attribute(&"A".repeat(MAX_ENCODED_LEN * 2)).is_err());
    }

    #[test]
    fn state_header_round_trips_the_state() {
        let header = SessionHeader::state("Constitution-State").unwrap();
        let mut headers = HeaderMap::new();
        header.encode(&full(), &mut headers).unwrap();
        assert_eq!(headers["constitution-state"], "connecticut");
        assert_eq!(
            header.decode(&headers).unwrap(),
            Some(Session::with_state("connecticut")),
            "the user travels by authentication, not by this header"
        );
        header.encode(&Session::default(), &mut headers).unwrap();
        assert_eq!(header.decode(&headers).unwrap(), None);
    }

    #[test]
    fn json_header_round_trips_everything() {
        let header = SessionHeader::base64_json("x-updraft-session").unwrap();
        let mut headers = HeaderMap::new();
        header.encode(&full(), &mut headers).unwrap();
        assert_eq!(header.decode(&headers).unwrap(), Some(full()));
    }

    #[test]
    fn bad_headers_are_typed_errors() {
        assert!(SessionHeader::state("bad header").is_err());
        let header = SessionHeader::base64_json("x-session").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-session", HeaderValue::from_static("not-base64!"));
        assert!(matches!(
            header.decode(&headers),
            Err(Error::MalformedSession { .. })
        ));
        headers.append("x-session", HeaderValue::from_static("other"));
        let err = header.decode(&headers).unwrap_err().to_string();
        assert!(err.contains("repeated"), "{err}");
        let state = SessionHeader::state("x-state").unwrap();
        let err = state
            .encode(&Session::with_state("line\nbreak"), &mut headers)
            .unwrap_err();
        assert!(matches!(err, Error::SessionEncode { .. }));
        headers.insert("x-state", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        assert!(state.decode(&headers).is_err());
    }

    proptest! {
        #![proptest_config(updraft_testkit::fuzz::config())]
        #[test]
        fn fuzz_session_codecs_never_panic(
            json in updraft_testkit::fuzz::mutated(&[r#"{"state": "ct", "user": {"id": "u-1", "roles": ["clerk"]}}"#]),
            raw in proptest::collection::vec(any::<u8>(), 0..96),
        ) {
            let text = String::from_utf8_lossy(&json);
            let _ = Session::from_env_value(&text);
            let _ = Session::from_attribute(&BASE64.encode(&json));
            let _ = Session::from_attribute(&String::from_utf8_lossy(&raw));
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_bytes(&raw) {
                headers.append("x-session", value.clone());
                headers.append("constitution-state", value);
            }
            let _ = SessionHeader::base64_json("x-session").unwrap().decode(&headers);
            let _ = SessionHeader::state("constitution-state").unwrap().decode(&headers);
        }
    }

    fn any_session() -> impl Strategy<Value = Session> {
        let user = prop_oneof![
            Just(None),
            ("\\PC{0,16}", any::<i64>()).prop_map(|(name, n)| Some(json!({"name": name, "n": n}))),
        ];
        (proptest::option::of("\\PC{0,24}"), user).prop_map(|(state, user)| Session { state, user })
    }

    proptest! {
        #[test]
        fn every_session_round_trips_through_attribute_env_and_json_header(session in any_session()) {
            prop_assert_eq!(&Session::from_attribute(&session.to_attribute()).unwrap(), &session);
            prop_assert_eq!(&Session::from_env_value(&session.to_env_value()).unwrap(), &session);
            let header = SessionHeader::base64_json("x-session").unwrap();
            let mut headers = HeaderMap::new();
            header.encode(&session, &mut headers).unwrap();
            prop_assert_eq!(header.decode(&headers).unwrap(), Some(session));
        }

        #[test]
        fn decoding_arbitrary_text_never_panics(text in "\\PC{0,64}") {
            let _ = Session::from_attribute(&text);
            let _ = Session::from_env_value(&text);
        }
    }
}
