//! BSON → JSON for API bodies, by aws-python-helper's `MongoJSONEncoder` rules, so Python and
//! Rust services answer alike.
//!
//! | BSON | [`JsonMode::Compatible`] (the default) | [`JsonMode::Lossless`] |
//! |---|---|---|
//! | `ObjectId` | its 24-character hex string | same |
//! | date | ISO 8601 in UTC, as Python's `isoformat()` writes an aware datetime: `2024-03-01T12:00:00+00:00`, with `.ffffff` when there are milliseconds | same |
//! | Decimal128 | a JSON number (a float, as Python's `float(Decimal)`) | its exact decimal string |
//! | int64 | a JSON number | a string when beyond ±2^53 (JavaScript's exact range) |
//! | double | a JSON number; NaN and ±infinity, which JSON cannot hold, are `null` | same |
//! | binary, and bytes | standard base64 | same |
//! | UUID (binary subtype 4) | its hyphenated string | same |
//! | regex, timestamp, code, min/max key, DB pointer | relaxed Extended JSON (`{"$regularExpression": …}`) | same |
//! | undefined | `null` | same |
//!
//! A date outside years 1 to 9999 (which Python's datetime cannot hold) is written as its
//! milliseconds since the epoch.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Bson, Document};
use serde_json::{Map, Number, Value};

/// How numbers that JSON readers may round are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JsonMode {
    /// aws-python-helper's rules: Decimal128 as a float, every integer as a number.
    #[default]
    Compatible,
    /// Nothing is rounded: Decimal128 as its decimal string, an int64 beyond ±2^53 as a
    /// string.
    Lossless,
}

/// The largest integer every JSON reader holds exactly (JavaScript's `Number.MAX_SAFE_INTEGER`).
const EXACT: i64 = (1 << 53) - 1;

/// A document as JSON, in [`JsonMode::Compatible`].
///
/// ```
/// use updraft_mongo_repo::bson::{doc, oid::ObjectId, DateTime};
/// use updraft_mongo_repo::json::to_json;
///
/// let id = ObjectId::parse_str("65f1a2b3c4d5e6f7a8b9c0d1").unwrap();
/// let order = doc! { "_id": id, "at": DateTime::from_millis(1_709_294_400_123) };
/// assert_eq!(
///     to_json(&order),
///     serde_json::json!({"_id": "65f1a2b3c4d5e6f7a8b9c0d1", "at": "2024-03-01T12:00:00.123000+00:00"})
/// );
/// ```
#[must_use]
pub fn to_json(document: &Document) -> Value {
    document_to_json(document, JsonMode::Compatible)
}

/// A document as JSON, in `mode`.
#[must_use]
pub fn document_to_json(document: &Document, mode: JsonMode) -> Value {
    Value::Object(
        document
            .iter()
            .map(|(key, value)| (key.clone(), bson_to_json(value, mode)))
            .collect::<Map<_, _>>(),
    )
}

/// One BSON value as JSON, in `mode`.
#[must_use]
pub fn bson_to_json(value: &Bson, mode: JsonMode) -> Value {
    match value {
        Bson::Double(n) => float(*n),
        Bson::String(s) | Bson::Symbol(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(|v| bson_to_json(v, mode)).collect()),
        Bson::Document(document) => document_to_json(document, mode),
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Int32(n) => Value::from(*n),
        Bson::Int64(n) => match mode {
            JsonMode::Lossless if !(-EXACT..=EXACT).contains(n) => Value::String(n.to_string()),
            _ => Value::from(*n),
        },
        Bson::ObjectId(id) => Value::String(id.to_hex()),
        Bson::DateTime(at) => date(at.timestamp_millis()),
        Bson::Decimal128(decimal) => {
            let text = decimal.to_string();
            match mode {
                JsonMode::Lossless => Value::String(text),
                JsonMode::Compatible => text.parse::<f64>().map_or(Value::Null, float),
            }
        }
        Bson::Binary(binary) => match (
            binary.subtype,
            <[u8; 16]>::try_from(binary.bytes.as_slice()),
        ) {
            (BinarySubtype::Uuid, Ok(bytes)) => {
                Value::String(mongodb::bson::Uuid::from_bytes(bytes).to_string())
            }
            _ => Value::String(STANDARD.encode(&binary.bytes)),
        },
        other => other.clone().into_relaxed_extjson(),
    }
}

fn float(n: f64) -> Value {
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// Milliseconds since the epoch as Python's `datetime.isoformat()` writes an aware UTC time.
fn date(millis: i64) -> Value {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    let (year, month, day) = updraft_core::calendar::civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return Value::from(millis);
    }
    let (hours, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    let fraction = if millis == 0 {
        String::new()
    } else {
        format!(".{:06}", millis * 1000)
    };
    Value::String(format!(
        "{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}{fraction}+00:00"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{Binary, DateTime, Decimal128, doc, oid::ObjectId};
    use serde_json::json;

    #[test]
    fn every_rule_of_the_table() {
        let id = ObjectId::parse_str("65f1a2b3c4d5e6f7a8b9c0d1").unwrap();
        let decimal: Decimal128 = "12.50".parse().unwrap();
        let uuid = Binary {
            subtype: BinarySubtype::Uuid,
            bytes: (0..16).collect(),
        };
        let bytes = Binary {
            subtype: BinarySubtype::Generic,
            bytes: b"hi!".to_vec(),
        };
        let document = doc! {
            "id": id, "at": DateTime::from_millis(0), "price": decimal, "uuid": uuid,
            "raw": bytes, "big": 9_007_199_254_740_993_i64, "nan": f64::NAN,
            "list": [1, "two", Bson::Null], "nested": {"n": 1.5},
        };
        assert_eq!(
            document_to_json(&document, JsonMode::Compatible),
            json!({
                "id": "65f1a2b3c4d5e6f7a8b9c0d1", "at": "1970-01-01T00:00:00+00:00",
                "price": 12.5, "uuid": "00010203-0405-0607-0809-0a0b0c0d0e0f", "raw": "aGkh",
                "big": 9_007_199_254_740_993_i64, "nan": null,
                "list": [1, "two", null], "nested": {"n": 1.5},
            })
        );
        let lossless = document_to_json(&document, JsonMode::Lossless);
        assert_eq!(lossless["price"], "12.50");
        assert_eq!(lossless["big"], "9007199254740993");
        assert_eq!(
            bson_to_json(&Bson::Int64(EXACT), JsonMode::Lossless),
            json!(EXACT)
        );
    }

    #[test]
    fn dates_match_python_isoformat() {
        // datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=timezone.utc).isoformat()
        assert_eq!(
            date(1_709_251_199_999),
            json!("2024-02-29T23:59:59.999000+00:00")
        );
        // datetime(1969, 12, 31, 23, 59, 59, tzinfo=timezone.utc).isoformat()
        assert_eq!(date(-1000), json!("1969-12-31T23:59:59+00:00"));
        assert_eq!(
            date(253_402_300_799_000),
            json!("9999-12-31T23:59:59+00:00")
        );
        assert_eq!(date(253_402_300_800_000), json!(253_402_300_800_000_i64));
        assert_eq!(date(i64::MIN), json!(i64::MIN));
    }

    #[test]
    fn other_types_are_relaxed_extended_json() {
        let regex = Bson::try_from(
            serde_json::json!({"$regularExpression": {"pattern": "^a", "options": "i"}}),
        )
        .unwrap();
        let value = bson_to_json(&regex, JsonMode::Compatible);
        assert_eq!(value["$regularExpression"]["pattern"], "^a");
        assert_eq!(
            bson_to_json(&Bson::Undefined, JsonMode::Compatible),
            Value::Null
        );
    }
}
