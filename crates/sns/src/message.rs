//! One publication, prepared and checked before any call. The checks SQS shares (size,
//! attributes, session, FIFO ids) are `updraft_core::message::outbound`'s; the subject is
//! SNS's own.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sns::primitives::Blob;
use aws_sdk_sns::types::MessageAttributeValue;
use serde::Serialize;
use updraft_core::message::AttributeValue;
use updraft_core::message::outbound::{Destination, Outbound, OutboundOptions, to_sdk};

use crate::Error;

/// The longest subject SNS takes, in characters.
pub const MAX_SUBJECT_CHARS: usize = 100;

/// Per-message options: subject, attributes, FIFO group and deduplication.
///
/// ```
/// use updraft_sns::{Attributes, PublishOptions};
///
/// let options = PublishOptions::new()
///     .subject("New order")
///     .attributes(Attributes::new().string("priority", "high").string_array("tags", ["gift"]));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct PublishOptions {
    common: OutboundOptions,
    subject: Option<String>,
}

updraft_core::outbound_options!(PublishOptions);

impl PublishOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the subject: the e-mail subject line, and `Subject` in the SQS envelope. At most
    /// [`MAX_SUBJECT_CHARS`] characters, without line breaks or other control characters.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// A publication ready for Publish or a PublishBatch entry.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) message: Outbound,
    pub(crate) subject: Option<String>,
}

impl AsRef<Outbound> for Prepared {
    fn as_ref(&self) -> &Outbound {
        &self.message
    }
}

pub(crate) fn prepare<T: Serialize + ?Sized>(
    item: &T,
    options: PublishOptions,
    destination: Destination<'_>,
) -> Result<Prepared, Error> {
    if let Some(subject) = &options.subject {
        check_subject(subject)?;
    }
    let message = Outbound::prepare(item, options.common, destination)?;
    Ok(Prepared {
        message,
        subject: options.subject,
    })
}

fn check_subject(subject: &str) -> Result<(), Error> {
    let invalid = |why: &str| Err(Error::InvalidSubject(why.to_owned()));
    if subject.trim().is_empty() {
        return invalid("the subject is empty");
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return invalid(&format!(
            "the subject is over {MAX_SUBJECT_CHARS} characters"
        ));
    }
    if subject.chars().any(char::is_control) {
        return invalid("the subject holds a line break or another control character");
    }
    Ok(())
}

/// The SDK's form of the attributes.
pub(crate) fn sdk_attributes(
    attributes: &BTreeMap<String, AttributeValue>,
) -> Result<Option<HashMap<String, MessageAttributeValue>>, Error> {
    let converted = to_sdk(attributes, |value| {
        let builder = MessageAttributeValue::builder().data_type(value.data_type());
        match value {
            AttributeValue::Binary(bytes) => builder.binary_value(Blob::new(bytes.clone())),
            other => builder.string_value(other.as_str().unwrap_or_default()),
        }
        .build()
    })?;
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use updraft_core::message::Attributes;
    use updraft_core::message::outbound::OutboundError;

    fn topic(fifo: bool) -> Destination<'static> {
        Destination {
            name: "orders",
            fifo,
            inject_session: true,
            string_arrays: true,
        }
    }

    #[test]
    fn subjects_follow_the_sns_rules() {
        assert!(
            prepare(
                &1,
                PublishOptions::new().subject("New order ✓"),
                topic(false)
            )
            .is_ok()
        );
        for bad in [
            "",
            "  ",
            "two\nlines",
            "tab\there",
            &"x".repeat(MAX_SUBJECT_CHARS + 1),
        ] {
            let result = prepare(&1, PublishOptions::new().subject(bad), topic(false));
            assert!(matches!(result, Err(Error::InvalidSubject(_))), "{bad:?}");
        }
    }

    #[test]
    fn string_arrays_are_allowed_and_the_shared_checks_apply() {
        let array =
            PublishOptions::new().attributes(Attributes::new().string_array("tags", ["a", "b"]));
        assert!(prepare(&1, array, topic(false)).is_ok());
        let bad = PublishOptions::new().attributes(Attributes::new().string("Amazon.x", "v"));
        assert!(matches!(
            prepare(&1, bad, topic(false)),
            Err(Error::Message(OutboundError::InvalidAttribute(_)))
        ));
    }

    #[test]
    fn attributes_convert_to_the_sdk_types() {
        let built = Attributes::new()
            .string_array("t", ["a"])
            .binary("b", [7])
            .build()
            .unwrap();
        let sdk = sdk_attributes(&built).unwrap().unwrap();
        assert_eq!(sdk["t"].data_type(), "String.Array");
        assert_eq!(sdk["t"].string_value(), Some(r#"["a"]"#));
        assert_eq!(
            sdk["b"].binary_value().map(|b| b.as_ref().to_vec()),
            Some(vec![7])
        );
    }
}
