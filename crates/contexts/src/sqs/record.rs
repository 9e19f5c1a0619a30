//! One SQS record, decoded: the body into the handler's type, the SNS envelope unwrapped, the
//! session read from the `session` attribute.

use std::collections::{BTreeMap, HashMap};

use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use serde::de::DeserializeOwned;
use updraft_core::Session;
use updraft_core::message::{AttributeValue, Inbound, SnsEnvelope, TrustedTopics};

/// A decoded SQS record, as a handler receives it.
///
/// Small on purpose, since each record moves into its handler's future: what most records lack
/// (a session, message attributes, an SNS topic) sits behind one pointer that a plain record
/// leaves empty.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Record<T> {
    /// The body, deserialized from JSON (the SNS `Message` for an SNS notification).
    pub body: T,
    /// The SQS message id.
    pub message_id: String,
    system_attributes: HashMap<String, String>,
    extras: Option<Box<Extras>>,
}

/// What a record carries beyond its body and ids, when it does.
#[derive(Debug, Clone, Default)]
struct Extras {
    session: Session,
    attributes: BTreeMap<String, AttributeValue>,
    topic_arn: Option<String>,
}

static NO_SESSION: Session = Session {
    state: None,
    user: None,
};

static NO_ATTRIBUTES: BTreeMap<String, AttributeValue> = BTreeMap::new();

impl<T> Record<T> {
    /// A record with `body` and `message_id` and nothing else, for testing handlers.
    pub fn new(body: T, message_id: impl Into<String>) -> Self {
        Self {
            body,
            message_id: message_id.into(),
            system_attributes: HashMap::new(),
            extras: None,
        }
    }

    /// The session of the `session` attribute; empty when there is none. It is also
    /// [`Session::current`] while the handler runs.
    #[must_use]
    pub fn session(&self) -> &Session {
        self.extras.as_ref().map_or(&NO_SESSION, |e| &e.session)
    }

    /// The message attributes (the SNS ones for a notification), `session` included.
    #[must_use]
    pub fn attributes(&self) -> &BTreeMap<String, AttributeValue> {
        self.extras
            .as_ref()
            .map_or(&NO_ATTRIBUTES, |e| &e.attributes)
    }

    /// The message attribute `name`.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&AttributeValue> {
        self.attributes().get(name)
    }

    /// The topic, when the message came from SNS in an envelope.
    #[must_use]
    pub fn topic_arn(&self) -> Option<&str> {
        self.extras.as_ref()?.topic_arn.as_deref()
    }

    /// The SQS system attributes (`ApproximateReceiveCount`, `MessageGroupId`, `SentTimestamp`,
    /// …); [`Record::group_id`] and [`Record::receive_count`] read the common ones.
    #[must_use]
    pub fn system_attributes(&self) -> &HashMap<String, String> {
        &self.system_attributes
    }

    /// The message group: on FIFO queues, and on standard queues whose producers set one
    /// (fair queues).
    #[must_use]
    pub fn group_id(&self) -> Option<&str> {
        self.system_attributes
            .get("MessageGroupId")
            .map(String::as_str)
    }

    /// How many times SQS has delivered this message (1 when unknown).
    #[must_use]
    pub fn receive_count(&self) -> u32 {
        self.system_attributes
            .get("ApproximateReceiveCount")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
    }

    /// This record with `session`.
    #[must_use]
    pub fn with_session(mut self, session: Session) -> Self {
        self.extras.get_or_insert_with(Box::default).session = session;
        self
    }

    /// This record with `system_attributes`, for testing handlers.
    #[must_use]
    pub fn with_system_attributes(mut self, system_attributes: HashMap<String, String>) -> Self {
        self.system_attributes = system_attributes;
        self
    }
}

/// Why a record could not be given to the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undecodable {
    pub(crate) message_id: String,
    pub(crate) reason: String,
}

/// The message id and FIFO group of a raw record.
pub(crate) fn id_and_group(message: &SqsMessage) -> (String, Option<String>) {
    (
        message.message_id.clone().unwrap_or_default(),
        message.attributes.get("MessageGroupId").cloned(),
    )
}

/// Decodes one raw record, taking the fields it needs out of it rather than copying them, and
/// leaving the rest where it is (a record is large: moving it costs more than decoding it).
pub(crate) fn decode<T: DeserializeOwned>(
    message: &mut SqsMessage,
    topics: &TrustedTopics,
) -> Result<Record<T>, Undecodable> {
    let message_id = message.message_id.take().unwrap_or_default();
    let body = message.body.take().unwrap_or_default();
    // The common case, a plain body without message attributes: no session, nothing to
    // unwrap, so nothing to build but the record.
    if message.message_attributes.is_empty() && SnsEnvelope::sniff(&body).is_none() {
        let system_attributes = take_map(&mut message.attributes);
        return match serde_json::from_str(&body) {
            Ok(body) => Ok(Record {
                body,
                message_id,
                system_attributes,
                extras: None,
            }),
            Err(e) => Err(Undecodable {
                message_id,
                reason: format!("the body does not decode: {e}"),
            }),
        };
    }
    let raw_attributes = take_map(&mut message.message_attributes);
    let decoded = attributes(raw_attributes).and_then(|attributes| {
        let inbound =
            Inbound::decode_trusting(body, attributes, topics).map_err(|e| e.to_string())?;
        let body = serde_json::from_str(&inbound.body)
            .map_err(|e| format!("the body does not decode: {e}"))?;
        Ok((body, inbound))
    });
    match decoded {
        Ok((body, inbound)) => Ok(Record {
            body,
            message_id,
            system_attributes: take_map(&mut message.attributes),
            extras: Some(Box::new(Extras {
                session: inbound.session.unwrap_or_default(),
                attributes: inbound.attributes,
                topic_arn: inbound.topic_arn,
            })),
        }),
        Err(reason) => Err(Undecodable { message_id, reason }),
    }
}

/// Takes a map out of a record, leaving an empty one with the same hasher: `mem::take` would
/// seed a new hasher from a thread-local on every record.
fn take_map<V>(map: &mut HashMap<String, V>) -> HashMap<String, V> {
    let empty = HashMap::with_hasher(map.hasher().clone());
    std::mem::replace(map, empty)
}

/// The typed attributes of a raw record.
pub(crate) fn attributes(
    raw: std::collections::HashMap<String, SqsMessageAttribute>,
) -> Result<BTreeMap<String, AttributeValue>, String> {
    let mut attributes = BTreeMap::new();
    if raw.is_empty() {
        return Ok(attributes);
    }
    for (name, attribute) in raw {
        let data_type = attribute.data_type.as_deref().unwrap_or("String");
        let base = data_type.split('.').next().unwrap_or_default();
        let value = match (base, attribute.string_value, attribute.binary_value) {
            ("String", Some(text), _) => AttributeValue::String(text),
            ("Number", Some(text), _) => AttributeValue::Number(text),
            ("Binary", _, Some(bytes)) => AttributeValue::Binary(bytes.0),
            _ => {
                return Err(format!(
                    "the message attribute `{name}` ({data_type}) has no value of its type"
                ));
            }
        };
        attributes.insert(name, value);
    }
    Ok(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::encodings::Base64Data;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Job {
        id: String,
    }

    fn message(body: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some("m-1".into());
        message.body = Some(body.into());
        message
    }

    #[test]
    fn decodes_body_session_and_attributes() {
        let mut raw = message(r#"{"id": "j1"}"#);
        let mut session = SqsMessageAttribute::default();
        session.data_type = Some("String".into());
        session.string_value = Some(Session::with_state("ohio").to_attribute());
        raw.message_attributes.insert("session".into(), session);
        let mut blob = SqsMessageAttribute::default();
        blob.data_type = Some("Binary.gzip".into());
        blob.binary_value = Some({
            let mut data = Base64Data::default();
            *data = vec![1, 2];
            data
        });
        raw.message_attributes.insert("blob".into(), blob);
        raw.attributes.insert("MessageGroupId".into(), "g1".into());
        raw.attributes
            .insert("ApproximateReceiveCount".into(), "3".into());
        let record: Record<Job> = decode(&mut raw, &TrustedTopics::any()).unwrap();
        assert_eq!(record.body, Job { id: "j1".into() });
        assert_eq!(record.session().state.as_deref(), Some("ohio"));
        assert_eq!(record.group_id(), Some("g1"));
        assert_eq!(record.receive_count(), 3);
        assert_eq!(
            record.attributes()["blob"],
            AttributeValue::Binary(vec![1, 2])
        );
    }

    #[test]
    fn undecodable_records_say_why() {
        let err = decode::<Job>(&mut message("not json"), &TrustedTopics::any()).unwrap_err();
        assert_eq!(err.message_id, "m-1");
        assert!(err.reason.contains("does not decode"), "{}", err.reason);
        let mut raw = message(r#"{"id": "j1"}"#);
        raw.message_attributes.insert("session".into(), {
            let mut a = SqsMessageAttribute::default();
            a.data_type = Some("String".into());
            a.string_value = Some("%%%".into());
            a
        });
        assert!(
            decode::<Job>(&mut raw, &TrustedTopics::any())
                .unwrap_err()
                .reason
                .contains("session")
        );
        let mut empty = message(r#"{"id": "j1"}"#);
        empty.message_attributes.insert("n".into(), {
            let mut a = SqsMessageAttribute::default();
            a.data_type = Some("Number".into());
            a
        });
        assert!(decode::<Job>(&mut empty, &TrustedTopics::any()).is_err());
    }
}
