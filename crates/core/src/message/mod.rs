//! Messages on the SNS → SQS bus: typed attributes, the SNS envelope, and what a consumer
//! reads out of a delivered message.
//!
//! The publishers (`updraft-sns`, `updraft-sqs-backend`) write messages with these attribute
//! types and the `session` attribute; the SQS context (`updraft-contexts`) reads them back with
//! [`Inbound::decode`]. Both sides use this one module, so the wire format cannot drift.
//!
//! An SNS notification reaches an SQS queue in one of two forms:
//!
//! - **envelope** (the default): the SQS body is a JSON notification whose `Message` is the
//!   published body and whose `MessageAttributes` hold the published attributes;
//! - **raw delivery**: the SQS body is the published body and the attributes are SQS message
//!   attributes.
//!
//! [`Inbound::decode`] handles both, and plain SQS messages too.
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//! use updraft_core::Session;
//! use updraft_core::message::{AttributeValue, Inbound};
//!
//! let session = Session::with_state("ohio");
//! let mut attributes = BTreeMap::new();
//! attributes.insert("session".to_owned(), AttributeValue::String(session.to_attribute()));
//! let inbound = Inbound::decode(r#"{"order": 1}"#, attributes)?;
//! assert_eq!(inbound.body, r#"{"order": 1}"#);
//! assert_eq!(inbound.session, Some(session));
//! # Ok::<(), updraft_core::Error>(())
//! ```

// Over 400 lines with its tests: the code is the one wire format that both the publishers and
// the SQS context read (about 400 lines); the rest are the tests that pin it.

mod attributes;
// `batch`, `outbound` and `publisher` are the publishing machinery that `updraft-sns` and
// `updraft-sqs-backend` share: public so that those crates can use it, hidden because it is
// not an API of its own. Its few user-facing types (`BatchPolicy`, `Rejected`,
// `OutboundError`) are re-exported, and documented, by those two crates.
#[cfg(feature = "aws")]
#[doc(hidden)]
pub mod batch;
#[doc(hidden)]
pub mod outbound;
#[cfg(feature = "aws")]
#[doc(hidden)]
pub mod publisher;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::session::codec::ATTRIBUTE_NAME;
use crate::{Error, Session};

pub use attributes::{Attributes, validate, validate_name};

/// The most attributes SNS and SQS accept on one message.
pub const MAX_ATTRIBUTES: usize = 10;

/// The largest message SNS and SQS accept, body and attributes together.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// A message attribute value, in the types SNS and SQS share.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeValue {
    /// `String`.
    String(String),
    /// `Number`: kept as text, as SNS and SQS transmit it (up to 38 digits of precision).
    Number(String),
    /// `Binary`.
    Binary(Vec<u8>),
    /// `String.Array` (SNS only): a JSON array of strings, numbers, booleans or null, kept as
    /// its JSON text.
    StringArray(String),
}

impl AttributeValue {
    /// The data type name SNS and SQS use: `String`, `Number`, `Binary` or `String.Array`.
    #[must_use]
    pub fn data_type(&self) -> &'static str {
        match self {
            AttributeValue::String(_) => "String",
            AttributeValue::Number(_) => "Number",
            AttributeValue::Binary(_) => "Binary",
            AttributeValue::StringArray(_) => "String.Array",
        }
    }

    /// The text value, for every type but `Binary`.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttributeValue::String(s)
            | AttributeValue::Number(s)
            | AttributeValue::StringArray(s) => Some(s),
            AttributeValue::Binary(_) => None,
        }
    }

    /// The size SNS and SQS count for this attribute: name, type and value bytes.
    #[must_use]
    pub fn wire_size(&self, name: &str) -> usize {
        let value = match self {
            AttributeValue::Binary(bytes) => bytes.len(),
            other => other.as_str().map_or(0, str::len),
        };
        name.len() + self.data_type().len() + value
    }

    /// Reads an attribute from its type name and text (as in an SNS envelope, where binary
    /// values are base64).
    ///
    /// # Errors
    ///
    /// [`Error::Response`] naming the attribute, for an unknown type or a `Binary` value that
    /// is not base64.
    pub fn from_typed_text(name: &str, data_type: &str, text: &str) -> Result<Self, Error> {
        let malformed = |reason: &str| Error::Response {
            service: "sns".into(),
            reason: format!("the message attribute `{name}` {reason}"),
        };
        match data_type.split('.').next().unwrap_or_default() {
            "String" if data_type == "String.Array" => {
                Ok(AttributeValue::StringArray(text.to_owned()))
            }
            "String" => Ok(AttributeValue::String(text.to_owned())),
            "Number" => Ok(AttributeValue::Number(text.to_owned())),
            "Binary" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .map(AttributeValue::Binary)
                .map_err(|_| malformed("is Binary but not base64")),
            _ => Err(malformed(&format!("has the unknown type `{data_type}`"))),
        }
    }
}

/// The JSON notification SNS delivers to an SQS queue without raw delivery.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsEnvelope {
    /// `Notification`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The SNS message id.
    pub message_id: String,
    /// The topic it was published to.
    pub topic_arn: String,
    /// The subject, if one was given.
    #[serde(default)]
    pub subject: Option<String>,
    /// The published body.
    pub message: String,
    /// When SNS received it.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The published attributes.
    #[serde(default)]
    pub message_attributes: BTreeMap<String, EnvelopeAttribute>,
}

/// An attribute inside an [`SnsEnvelope`].
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EnvelopeAttribute {
    /// The data type.
    #[serde(rename = "Type")]
    pub data_type: String,
    /// The value as text (base64 for `Binary`).
    #[serde(rename = "Value")]
    pub value: String,
}

impl SnsEnvelope {
    /// Parses `body` when it is an SNS notification, `None` when it is anything else.
    ///
    /// The check is cheap for bodies that are not notifications, so every SQS record can go
    /// through it.
    #[must_use]
    pub fn sniff(body: &str) -> Option<Self> {
        // The shortest notification with its required fields is
        // {"Type":"Notification","MessageId":"","TopicArn":"","Message":""}: shorter bodies are
        // not one, and most plain job bodies are shorter, so they skip the scan. `Type` is
        // checked by the parse that follows the scan.
        const SHORTEST: usize = 65;
        static TOPIC_ARN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"TopicArn\""));
        if body.len() < SHORTEST
            || !body.trim_start().starts_with('{')
            || TOPIC_ARN.find(body.as_bytes()).is_none()
        {
            return None;
        }
        serde_json::from_str::<SnsEnvelope>(body)
            .ok()
            .filter(|e| e.kind == "Notification")
    }
}

/// The variable that lists the SNS topics whose envelopes a consumer unwraps
/// (comma-separated topic ARNs); see [`TrustedTopics`].
pub const SNS_TOPICS_VAR: &str = "UPDRAFT_SNS_TOPIC_ARNS";

/// Whether a queue URL or a queue or topic ARN names a FIFO queue or topic (ends in `.fifo`).
#[must_use]
pub fn is_fifo(address: &str) -> bool {
    address.len() >= 5 && address.as_bytes()[address.len() - 5..].eq_ignore_ascii_case(b".fifo")
}

/// The SNS topics whose envelopes a consumer unwraps, and so whose embedded `session` it
/// takes.
///
/// The trust boundary of a queue is its access policy: whoever may send to it can write a
/// body that looks like an SNS notification. Unwrapping is on for every topic by default
/// (aws-python-helper's SNS → SQS session propagation needs it); list your topics to narrow
/// it, and an envelope from any other topic stays a plain body, its session ignored. A
/// `session` attribute on the SQS message itself always wins over one inside a body.
///
/// # Example
///
/// ```
/// use updraft_core::Env;
/// use updraft_core::message::{SNS_TOPICS_VAR, TrustedTopics};
///
/// let env = Env::from_pairs([(SNS_TOPICS_VAR, "arn:aws:sns:eu-west-1:123456789012:orders")]);
/// let trusted = TrustedTopics::from_env(&env)?;
/// assert!(trusted.allows("arn:aws:sns:eu-west-1:123456789012:orders"));
/// assert!(!trusted.allows("arn:aws:sns:eu-west-1:999999999999:orders"));
/// # Ok::<(), updraft_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedTopics {
    topics: Option<Vec<String>>,
}

impl TrustedTopics {
    /// Every topic (the default).
    #[must_use]
    pub fn any() -> Self {
        Self::default()
    }

    /// Only these topic ARNs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] (naming [`SNS_TOPICS_VAR`]) for an entry that is not an SNS
    /// topic ARN.
    pub fn only<I, S>(topics: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = Vec::new();
        for topic in topics {
            let topic = topic.as_ref().trim();
            let parts: Vec<&str> = topic.split(':').collect();
            if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].is_empty() {
                return Err(Error::invalid_var(
                    SNS_TOPICS_VAR,
                    format!(
                        "`{topic}` is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)"
                    ),
                ));
            }
            list.push(topic.to_owned());
        }
        Ok(Self { topics: Some(list) })
    }

    /// The topics of [`SNS_TOPICS_VAR`]; every topic when it is unset.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] for an entry that is not an SNS topic ARN.
    pub fn from_env(env: &crate::Env) -> Result<Self, Error> {
        match env.non_empty(SNS_TOPICS_VAR) {
            None => Ok(Self::any()),
            Some(list) => Self::only(list.split(',').filter(|t| !t.trim().is_empty())),
        }
    }

    /// Whether an envelope from `topic_arn` is unwrapped.
    #[must_use]
    pub fn allows(&self, topic_arn: &str) -> bool {
        self.topics
            .as_ref()
            .is_none_or(|topics| topics.iter().any(|t| t == topic_arn))
    }
}

/// What a consumer reads out of a delivered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The body as published (the envelope's `Message` for a notification).
    pub body: String,
    /// The published attributes, the `session` attribute included.
    pub attributes: BTreeMap<String, AttributeValue>,
    /// The session of the `session` attribute, if there is one.
    pub session: Option<Session>,
    /// The topic, when the message came through SNS in an envelope.
    pub topic_arn: Option<String>,
    /// The SNS subject, if any.
    pub subject: Option<String>,
}

impl Inbound {
    /// Reads a delivered message: unwraps an SNS envelope (from any topic) if the body is
    /// one, and decodes the `session` attribute. See [`Inbound::decode_trusting`].
    ///
    /// # Errors
    ///
    /// [`Error::MalformedSession`] when the `session` attribute is malformed, and
    /// [`Error::Response`] for an envelope attribute of an unknown type or bad base64.
    pub fn decode(
        body: impl Into<String>,
        attributes: BTreeMap<String, AttributeValue>,
    ) -> Result<Self, Error> {
        Self::decode_trusting(body, attributes, &TrustedTopics::any())
    }

    /// Reads a delivered message, unwrapping an SNS envelope only when its topic is one of
    /// `trusted`. The attributes of the SQS message itself, `session` included, win over
    /// those inside an envelope.
    ///
    /// # Errors
    ///
    /// See [`Inbound::decode`].
    pub fn decode_trusting(
        body: impl Into<String>,
        attributes: BTreeMap<String, AttributeValue>,
        trusted: &TrustedTopics,
    ) -> Result<Self, Error> {
        let body = body.into();
        let envelope = SnsEnvelope::sniff(&body).filter(|e| trusted.allows(&e.topic_arn));
        let (body, attributes, topic_arn, subject) = match envelope {
            Some(envelope) => {
                let mut from_envelope = BTreeMap::new();
                for (name, attribute) in &envelope.message_attributes {
                    from_envelope.insert(
                        name.clone(),
                        AttributeValue::from_typed_text(
                            name,
                            &attribute.data_type,
                            &attribute.value,
                        )?,
                    );
                }
                // Attributes set on the SQS message itself come on top of the envelope's.
                from_envelope.extend(attributes);
                (
                    envelope.message,
                    from_envelope,
                    Some(envelope.topic_arn),
                    envelope.subject,
                )
            }
            None => (body, attributes, None, None),
        };
        let session = match attributes.get(ATTRIBUTE_NAME) {
            Some(AttributeValue::String(text)) => Some(Session::from_attribute(text)?),
            Some(AttributeValue::Binary(bytes)) => {
                let text = String::from_utf8_lossy(bytes).into_owned();
                Some(Session::from_attribute(&text)?)
            }
            Some(_) | None => None,
        };
        Ok(Self {
            body,
            attributes,
            session,
            topic_arn,
            subject,
        })
    }
}

/// The size SNS and SQS count for a message: the body and every attribute.
#[must_use]
pub fn wire_size(body: &str, attributes: &BTreeMap<String, AttributeValue>) -> usize {
    body.len()
        + attributes
            .iter()
            .map(|(name, value)| value.wire_size(name))
            .sum::<usize>()
}

/// The `session` attribute for the current session, if one is set.
#[must_use]
pub fn current_session_attribute() -> Option<(String, AttributeValue)> {
    Session::current().map(|s| {
        (
            ATTRIBUTE_NAME.to_owned(),
            AttributeValue::String(s.to_attribute()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn envelope(message: &str, attributes: &str) -> String {
        format!(
            r#"{{"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
                "Subject": "new", "Message": {}, "Timestamp": "2026-01-01T00:00:00.000Z",
                "MessageAttributes": {attributes}}}"#,
            serde_json::to_string(message).unwrap()
        )
    }

    #[test]
    fn unwraps_an_envelope_with_its_typed_attributes_and_session() {
        let session = Session::with_state("ohio");
        let attrs = format!(
            r#"{{"session": {{"Type": "String", "Value": "{}"}}, "n": {{"Type": "Number", "Value": "42"}},
                 "b": {{"Type": "Binary", "Value": "AAEC"}}, "tags": {{"Type": "String.Array", "Value": "[\"a\",1]"}}}}"#,
            session.to_attribute()
        );
        let inbound =
            Inbound::decode(envelope(r#"{"order": 7}"#, &attrs), BTreeMap::new()).unwrap();
        assert_eq!(inbound.body, r#"{"order": 7}"#);
        assert_eq!(inbound.session, Some(session));
        assert_eq!(
            inbound.topic_arn.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:orders")
        );
        assert_eq!(inbound.subject.as_deref(), Some("new"));
        assert_eq!(inbound.attributes["n"], AttributeValue::Number("42".into()));
        assert_eq!(
            inbound.attributes["b"],
            AttributeValue::Binary(vec![0, 1, 2])
        );
        assert_eq!(
            inbound.attributes["tags"],
            AttributeValue::StringArray("[\"a\",1]".into())
        );
    }

    #[test]
    fn the_sqs_session_wins_over_one_inside_the_body() {
        let mallory = Session::with_state("ohio").and_user(serde_json::json!({"id": "admin"}));
        let attrs = format!(
            r#"{{"session": {{"Type": "String", "Value": "{}"}}}}"#,
            mallory.to_attribute()
        );
        let alice = Session::with_state("ohio").and_user(serde_json::json!({"id": "alice"}));
        let mut own = BTreeMap::new();
        own.insert(
            "session".to_owned(),
            AttributeValue::String(alice.to_attribute()),
        );
        let inbound = Inbound::decode(envelope(r#"{"order": 7}"#, &attrs), own).unwrap();
        assert_eq!(inbound.session, Some(alice));
    }

    #[test]
    fn envelopes_of_untrusted_topics_stay_plain_bodies() {
        let mallory = Session::with_state("ohio").and_user(serde_json::json!({"id": "admin"}));
        let attrs = format!(
            r#"{{"session": {{"Type": "String", "Value": "{}"}}}}"#,
            mallory.to_attribute()
        );
        let body = envelope(r#"{"order": 7}"#, &attrs);
        let trusted = TrustedTopics::only(["arn:aws:sns:us-east-1:123456789012:payments"]).unwrap();
        let inbound = Inbound::decode_trusting(body.clone(), BTreeMap::new(), &trusted).unwrap();
        assert_eq!(inbound.body, body, "not unwrapped");
        assert_eq!(inbound.session, None, "its session is not taken");
        assert_eq!(inbound.topic_arn, None);
        let orders = TrustedTopics::only(["arn:aws:sns:us-east-1:123456789012:orders"]).unwrap();
        let inbound = Inbound::decode_trusting(body, BTreeMap::new(), &orders).unwrap();
        assert_eq!(
            inbound.session,
            Some(mallory),
            "a listed topic is unwrapped"
        );
    }

    #[test]
    fn a_malformed_topic_list_names_its_variable() {
        for bad in [
            "orders",
            "arn:aws:sqs:us-east-1:1:q",
            "arn:aws:sns:us-east-1:1:",
            "arn:aws:sns",
        ] {
            let env = crate::Env::from_pairs([(SNS_TOPICS_VAR, bad)]);
            let err = TrustedTopics::from_env(&env).unwrap_err();
            assert!(err.to_string().contains(SNS_TOPICS_VAR), "{bad}: {err}");
        }
        assert_eq!(
            TrustedTopics::from_env(&crate::Env::default()).unwrap(),
            TrustedTopics::any()
        );
    }

    #[test]
    fn plain_bodies_pass_through() {
        for body in [
            "hello",
            r#"{"Type": "Notification"}"#,
            r#"{"TopicArn": "x", "Type": "Other", "MessageId": "1", "Message": "m"}"#,
            "",
        ] {
            let inbound = Inbound::decode(body, BTreeMap::new()).unwrap();
            assert_eq!(inbound.body, body);
            assert_eq!(inbound.topic_arn, None);
        }
    }

    #[test]
    fn a_malformed_session_attribute_is_a_typed_error() {
        let mut attributes = BTreeMap::new();
        attributes.insert("session".to_owned(), AttributeValue::String("%%%".into()));
        assert!(matches!(
            Inbound::decode("x", attributes),
            Err(Error::MalformedSession { .. })
        ));
        let bad_binary = envelope("m", r#"{"b": {"Type": "Binary", "Value": "%%%"}}"#);
        assert!(Inbound::decode(&bad_binary, BTreeMap::new()).is_err());
        let unknown = envelope("m", r#"{"b": {"Type": "Date", "Value": "today"}}"#);
        assert!(Inbound::decode(&unknown, BTreeMap::new()).is_err());
    }

    #[test]
    fn the_shortest_possible_notification_is_recognised() {
        let shortest = r#"{"Type":"Notification","MessageId":"","TopicArn":"","Message":""}"#;
        assert_eq!(shortest.len(), 65);
        assert!(SnsEnvelope::sniff(shortest).is_some());
        assert!(SnsEnvelope::sniff(&shortest.replace("Notification", "Notificatio")).is_none());
    }

    #[test]
    fn sizes_count_name_type_and_value() {
        assert_eq!(
            AttributeValue::String("ab".into()).wire_size("key"),
            3 + 6 + 2
        );
        assert_eq!(
            AttributeValue::Binary(vec![1; 10]).wire_size("k"),
            1 + 6 + 10
        );
    }

    proptest! {
        #![proptest_config(updraft_testkit::fuzz::config())]
        #[test]
        fn fuzz_inbound_messages_never_panic(
            body in updraft_testkit::fuzz::mutated(&[&envelope(r#"{"order": 7}"#, r#"{"session": {"Type": "String", "Value": "eyJzdGF0ZSI6ICJjdCJ9"}, "n": {"Type": "Number", "Value": "1"}, "b": {"Type": "Binary", "Value": "AAEC"}}"#)]),
            text in "\\PC{0,200}",
            attribute in "\\PC{0,40}",
        ) {
            let body = String::from_utf8_lossy(&body).into_owned();
            let mut attributes = BTreeMap::new();
            attributes.insert("session".to_owned(), AttributeValue::String(attribute.clone()));
            let _ = Inbound::decode(&body, BTreeMap::new());
            let _ = Inbound::decode(&text, attributes.clone());
            let _ = Inbound::decode_trusting(&body, attributes, &TrustedTopics::only(["arn:aws:sns:us-east-1:123456789012:orders"]).unwrap());
            let _ = TrustedTopics::from_env(&crate::Env::from_pairs([(SNS_TOPICS_VAR, attribute)]));
        }
    }
}
