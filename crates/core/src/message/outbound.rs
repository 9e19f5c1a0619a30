//! A message prepared for SNS or SQS and checked before any call: the JSON body, the
//! attributes with the current session, the FIFO ids and the size.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    AttributeValue, Attributes, MAX_MESSAGE_BYTES, current_session_attribute, validate, wire_size,
};
use crate::session::codec::ATTRIBUTE_NAME;

/// How a FIFO message is deduplicated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dedup {
    /// This deduplication id.
    Id(String),
    /// The SHA-256 of the body, computed here: works whether or not the queue or topic has
    /// content-based deduplication turned on.
    Content,
}

/// The options every outbound message has: attributes and FIFO ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundOptions {
    /// The attributes.
    pub attributes: Attributes,
    /// The FIFO message group.
    pub group_id: Option<String>,
    /// The FIFO deduplication.
    pub dedup: Option<Dedup>,
}

/// Adds the builder methods for an [`OutboundOptions`] — `attributes`, `group`, `dedup_id` and
/// `content_dedup` — to an options type with a field `common: OutboundOptions`, so the options of
/// every publisher read the same.
#[macro_export]
#[doc(hidden)]
macro_rules! outbound_options {
    ($options:ty) => {
        impl $options {
            /// Sets the message attributes.
            pub fn attributes(mut self, attributes: $crate::message::Attributes) -> Self {
                self.common.attributes = attributes;
                self
            }

            /// Sets the FIFO message group (required by FIFO queues and topics).
            pub fn group(mut self, group_id: impl Into<String>) -> Self {
                self.common.group_id = Some(group_id.into());
                self
            }

            /// Sets the FIFO deduplication id.
            pub fn dedup_id(mut self, id: impl Into<String>) -> Self {
                self.common.dedup = Some($crate::message::outbound::Dedup::Id(id.into()));
                self
            }

            /// Deduplicates by content: the SHA-256 of the body, computed here, so it works
            /// whether or not content-based deduplication is turned on.
            pub fn content_dedup(mut self) -> Self {
                self.common.dedup = Some($crate::message::outbound::Dedup::Content);
                self
            }
        }
    };
}

/// Where a message goes, for the checks.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The queue URL or topic ARN, for error messages.
    pub name: &'a str,
    /// Whether it is a FIFO queue or topic.
    pub fifo: bool,
    /// Whether to add the current session as the `session` attribute.
    pub inject_session: bool,
    /// Whether `String.Array` attributes are allowed (SNS: yes; SQS: no).
    pub string_arrays: bool,
}

/// Why a message cannot be sent, found before any call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The item could not be serialised to JSON.
    #[error("the message cannot be serialized to JSON: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The message (body and attributes) is over 256 KiB.
    #[error("the message is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An attribute breaks the rules.
    #[error("invalid message attribute: {0}")]
    InvalidAttribute(String),
    /// A FIFO destination (the field: its queue URL or topic ARN) needs a message group id.
    #[error("a message to a FIFO queue or topic needs a message group id")]
    MissingGroupId(String),
    /// A FIFO option was given for a standard destination (the field).
    #[error("the queue or topic is not FIFO: it takes no group or deduplication id")]
    NotFifo(String),
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    /// The JSON body.
    pub body: String,
    /// The attributes, the session included.
    pub attributes: BTreeMap<String, AttributeValue>,
    /// The FIFO message group.
    pub group_id: Option<String>,
    /// The FIFO deduplication id.
    pub dedup_id: Option<String>,
    /// The size SNS and SQS count.
    pub size: usize,
}

impl AsRef<Outbound> for Outbound {
    fn as_ref(&self) -> &Outbound {
        self
    }
}

impl Outbound {
    /// What a batch send needs of this message: its size and FIFO group.
    #[cfg(feature = "aws")]
    #[must_use]
    pub fn shape(&self) -> super::batch::Shape<'_> {
        super::batch::Shape {
            size: self.size,
            group: self.group_id.as_deref(),
        }
    }

    /// Serialises `item` and checks the message for `destination`.
    ///
    /// # Errors
    ///
    /// The first [`OutboundError`] that applies.
    pub fn prepare<T: Serialize + ?Sized>(
        item: &T,
        options: OutboundOptions,
        destination: Destination<'_>,
    ) -> Result<Self, OutboundError> {
        let body = serde_json::to_string(item).map_err(OutboundError::Serialize)?;
        let mut attributes = options
            .attributes
            .build()
            .map_err(OutboundError::InvalidAttribute)?;
        if destination.inject_session
            && !attributes.contains_key(ATTRIBUTE_NAME)
            && let Some((name, value)) = current_session_attribute()
        {
            attributes.insert(name, value);
        }
        validate(&attributes).map_err(OutboundError::InvalidAttribute)?;
        if !destination.string_arrays
            && let Some((name, _)) = attributes
                .iter()
                .find(|(_, v)| matches!(v, AttributeValue::StringArray(_)))
        {
            return Err(OutboundError::InvalidAttribute(format!(
                "`{name}` is a String.Array, which SQS does not take"
            )));
        }
        let size = wire_size(&body, &attributes);
        if size > MAX_MESSAGE_BYTES {
            return Err(OutboundError::TooLarge {
                size,
                limit: MAX_MESSAGE_BYTES,
            });
        }
        if destination.fifo && options.group_id.is_none() {
            return Err(OutboundError::MissingGroupId(destination.name.to_owned()));
        }
        if !destination.fifo && (options.group_id.is_some() || options.dedup.is_some()) {
            return Err(OutboundError::NotFifo(destination.name.to_owned()));
        }
        let dedup_id = match options.dedup {
            None => None,
            Some(Dedup::Id(id)) => Some(id),
            Some(Dedup::Content) => Some(crate::digest::sha256_hex(body.as_bytes())),
        };
        Ok(Self {
            body,
            attributes,
            group_id: options.group_id,
            dedup_id,
            size,
        })
    }
}

/// The attributes in an SDK's type, each built by `convert`; `None` when there are none, as the
/// SDK requests take them.
///
/// # Errors
///
/// [`OutboundError::InvalidAttribute`] naming the attribute `convert` refused.
pub fn to_sdk<V, E: std::fmt::Display>(
    attributes: &BTreeMap<String, AttributeValue>,
    convert: impl Fn(&AttributeValue) -> Result<V, E>,
) -> Result<Option<std::collections::HashMap<String, V>>, OutboundError> {
    if attributes.is_empty() {
        return Ok(None);
    }
    attributes
        .iter()
        .map(|(name, value)| {
            convert(value)
                .map(|built| (name.clone(), built))
                .map_err(|e| OutboundError::InvalidAttribute(format!("`{name}`: {e}")))
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;

    fn standard() -> Destination<'static> {
        Destination {
            name: "jobs",
            fifo: false,
            inject_session: true,
            string_arrays: false,
        }
    }

    fn fifo() -> Destination<'static> {
        Destination {
            fifo: true,
            name: "jobs.fifo",
            ..standard()
        }
    }

    #[test]
    fn the_current_session_rides_along_unless_turned_off() {
        let out = Session::with_state("ohio")
            .sync_scope(|| Outbound::prepare(&1, OutboundOptions::default(), standard()))
            .unwrap();
        assert_eq!(
            out.attributes["session"],
            AttributeValue::String(Session::with_state("ohio").to_attribute())
        );
        let off = Destination {
            inject_session: false,
            ..standard()
        };
        let out = Session::with_state("ohio")
            .sync_scope(|| Outbound::prepare(&1, OutboundOptions::default(), off))
            .unwrap();
        assert!(out.attributes.is_empty());
    }

    #[test]
    fn oversized_and_invalid_messages_fail() {
        let big = "x".repeat(MAX_MESSAGE_BYTES);
        assert!(matches!(
            Outbound::prepare(&big, OutboundOptions::default(), standard()),
            Err(OutboundError::TooLarge { .. })
        ));
        let bad = OutboundOptions {
            attributes: Attributes::new().string("AWS.reserved", "v"),
            ..OutboundOptions::default()
        };
        assert!(matches!(
            Outbound::prepare(&1, bad, standard()),
            Err(OutboundError::InvalidAttribute(_))
        ));
        let array = OutboundOptions {
            attributes: Attributes::new().string_array("tags", ["a"]),
            ..OutboundOptions::default()
        };
        assert!(matches!(
            Outbound::prepare(&1, array.clone(), standard()),
            Err(OutboundError::InvalidAttribute(_))
        ));
        let sns = Destination {
            string_arrays: true,
            ..standard()
        };
        assert!(Outbound::prepare(&1, array, sns).is_ok());
    }

    #[test]
    fn fifo_rules() {
        assert!(matches!(
            Outbound::prepare(&1, OutboundOptions::default(), fifo()),
            Err(OutboundError::MissingGroupId(_))
        ));
        let grouped = OutboundOptions {
            group_id: Some("g".into()),
            ..OutboundOptions::default()
        };
        assert!(matches!(
            Outbound::prepare(&1, grouped.clone(), standard()),
            Err(OutboundError::NotFifo(_))
        ));
        let content = OutboundOptions {
            dedup: Some(Dedup::Content),
            ..grouped
        };
        let a = Outbound::prepare(&"same", content.clone(), fifo()).unwrap();
        let b = Outbound::prepare(&"same", content, fifo()).unwrap();
        assert_eq!(a.dedup_id, b.dedup_id);
        assert_eq!(a.dedup_id.unwrap().len(), 64);
        assert!(
            super::super::is_fifo("https://sqs/1/jobs.FIFO")
                && !super::super::is_fifo("arn:aws:sns:r:1:orders")
        );
    }
}
