//! Stream events from their JSON, with `aws_lambda_events`' decoding kept from taking the
//! process down. Its `SecondTimestamp` (a Kinesis record's `approximateArrivalTimestamp`)
//! multiplies the fraction digits of the number it reads by a million, which overflows for a
//! value such as `0.30000000000000004`: a panic in a debug build, a wrong time in a release
//! one. Decoding here runs where such a panic is caught and answered as a malformed event.

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::kinesis::KinesisEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// A Kinesis event from its JSON.
pub(crate) fn kinesis(event: Value) -> Result<KinesisEvent, Error> {
    decode(event)
}

/// A DynamoDB Streams event from its JSON.
pub(crate) fn dynamodb(event: Value) -> Result<DynamoDbEvent, Error> {
    decode(event)
}

fn decode<T: DeserializeOwned>(event: Value) -> Result<T, Error> {
    let refused = |reason: String| Error::UnrecognizedEvent { reason };
    crate::logging::catch_quietly(|| serde_json::from_value(event))
        .ok_or_else(|| refused("a field of the event cannot be read".into()))?
        .map_err(|e| refused(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(timestamp: &Value) -> Value {
        json!({"Records": [{"kinesis": {"approximateArrivalTimestamp": timestamp, "data": "", "partitionKey": "p", "sequenceNumber": "1", "kinesisSchemaVersion": "1.0"}, "eventSource": "aws:kinesis", "eventID": "e"}]})
    }

    #[test]
    fn a_timestamp_that_overflows_the_decoder_is_a_malformed_event_not_a_panic() {
        assert!(kinesis(record(&json!(1_545_084_650.987))).is_ok());
        for refused in [json!(0.300_000_000_000_000_04), json!(-1), json!("soon")] {
            let error = kinesis(record(&refused)).unwrap_err();
            assert!(
                matches!(error, Error::UnrecognizedEvent { .. }),
                "{refused}: {error}"
            );
        }
    }
}
