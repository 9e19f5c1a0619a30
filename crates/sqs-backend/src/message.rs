//! One message, prepared and checked before any call. The checks SNS shares (size,
//! attributes, session, FIFO ids) are `updraft_core::message::outbound`'s; the per-message
//! delay is SQS's own.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
};
use serde::Serialize;
use updraft_core::TraceHeader;
use updraft_core::message::AttributeValue;
use updraft_core::message::outbound::{Destination, Outbound, OutboundOptions, to_sdk};

use crate::Error;

/// The longest per-message delay SQS takes.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// Per-message options: delay, attributes, FIFO group and deduplication.
///
/// ```
/// use std::time::Duration;
/// use updraft_sqs_backend::{Attributes, SendOptions};
///
/// let options = SendOptions::new()
///     .delay(Duration::from_secs(30))
///     .attributes(Attributes::new().string("priority", "high").number("attempt", 1));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct SendOptions {
    common: OutboundOptions,
    delay: Option<Duration>,
}

updraft_core::outbound_options!(SendOptions);

impl SendOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Delivers the message after `delay`, at most [`MAX_DELAY`] (standard queues only).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// A message ready for SendMessage or a SendMessageBatch entry.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) message: Outbound,
    pub(crate) delay_seconds: Option<i32>,
    /// The current invocation's trace header, sent as the `AWSTraceHeader` system attribute.
    pub(crate) trace: Option<TraceHeader>,
}

impl AsRef<Outbound> for Prepared {
    fn as_ref(&self) -> &Outbound {
        &self.message
    }
}

pub(crate) fn prepare<T: Serialize + ?Sized>(
    item: &T,
    options: SendOptions,
    destination: Destination<'_>,
) -> Result<Prepared, Error> {
    let delay_seconds = match options.delay {
        None => None,
        Some(_) if destination.fifo => {
            return Err(Error::InvalidOption(
                "FIFO queues take no per-message delay".into(),
            ));
        }
        Some(delay) if delay > MAX_DELAY => {
            return Err(Error::InvalidOption(format!(
                "a message delay is at most {} seconds",
                MAX_DELAY.as_secs()
            )));
        }
        Some(delay) => i32::try_from(delay.as_secs()).ok(),
    };
    let message = Outbound::prepare(item, options.common, destination)?;
    Ok(Prepared {
        message,
        delay_seconds,
        trace: updraft_core::invocation::current_trace(),
    })
}

/// The `AWSTraceHeader` system attribute that carries `trace` to the consumer, as X-Ray's own
/// SQS integration does.
pub(crate) fn system_attributes(
    trace: Option<&TraceHeader>,
) -> Option<HashMap<MessageSystemAttributeNameForSends, MessageSystemAttributeValue>> {
    let trace = trace?;
    let value = MessageSystemAttributeValue::builder()
        .data_type("String")
        .string_value(trace.as_str())
        .build()
        .ok()?;
    Some(HashMap::from([(
        MessageSystemAttributeNameForSends::AwsTraceHeader,
        value,
    )]))
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
    use updraft_core::message::outbound::OutboundError;

    fn queue(fifo: bool) -> Destination<'static> {
        Destination {
            name: "jobs",
            fifo,
            inject_session: true,
            string_arrays: false,
        }
    }

    #[test]
    fn delays_are_checked_here() {
        let delayed = SendOptions::new().delay(Duration::from_secs(5));
        assert_eq!(
            prepare(&1, delayed, queue(false)).unwrap().delay_seconds,
            Some(5)
        );
        let fifo = SendOptions::new().group("g").delay(Duration::from_secs(5));
        assert!(matches!(
            prepare(&1, fifo, queue(true)),
            Err(Error::InvalidOption(_))
        ));
        let long = SendOptions::new().delay(MAX_DELAY + Duration::from_secs(1));
        assert!(matches!(
            prepare(&1, long, queue(false)),
            Err(Error::InvalidOption(_))
        ));
    }

    #[test]
    fn the_shared_checks_apply() {
        let array = SendOptions::new()
            .attributes(updraft_core::message::Attributes::new().string_array("tags", ["a"]));
        assert!(matches!(
            prepare(&1, array, queue(false)),
            Err(Error::Message(OutboundError::InvalidAttribute(_)))
        ));
        assert!(matches!(
            prepare(&1, SendOptions::new(), queue(true)),
            Err(Error::Message(OutboundError::MissingGroupId(_)))
        ));
        let content = prepare(
            &"same",
            SendOptions::new().group("g").content_dedup(),
            queue(true),
        )
        .unwrap();
        assert_eq!(content.message.dedup_id.map(|id| id.len()), Some(64));
    }

    #[test]
    fn attributes_convert_to_the_sdk_types() {
        let built = updraft_core::message::Attributes::new()
            .string("s", "v")
            .number("n", 2)
            .binary("b", [1, 2])
            .build()
            .unwrap();
        let sdk = sdk_attributes(&built).unwrap().unwrap();
        assert_eq!(sdk["n"].data_type(), "Number");
        assert_eq!(
            sdk["b"].binary_value().map(|b| b.as_ref().to_vec()),
            Some(vec![1, 2])
        );
        assert_eq!(sdk_attributes(&BTreeMap::new()).unwrap(), None);
    }
}
