//! Strings, numbers, booleans, binary and timestamps.

use std::borrow::Cow;
use std::time::SystemTime;

use aws_sdk_dynamodb::primitives::{Blob, DateTime};

use super::{Attr, AttributeValue, FromAttr, ToAttr, ValueError};
use crate::kind::{B, Bool, N, S};
use crate::{Number, Path};

/// Bytes stored as DynamoDB binary (`B`); a `Vec<u8>` is a list of numbers, like any `Vec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(pub Vec<u8>);

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Binary {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

macro_rules! attr {
    ($($t:ty),*) => {$(
        impl Attr for $t {
            type Path = Path<$t>;
        }
    )*};
}

// Strings.

impl ToAttr for str {
    type Kind = S;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::S(self.to_owned())))
    }
}

impl ToAttr for String {
    type Kind = S;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::S(self.clone())))
    }
}

impl ToAttr for Cow<'_, str> {
    type Kind = S;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::S(self.clone().into_owned())))
    }
}

impl FromAttr for String {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::S(text) => Ok(text),
            other => Err(ValueError::wrong_type("S", &other)),
        }
    }
}

// Booleans.

impl ToAttr for bool {
    type Kind = Bool;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::Bool(*self)))
    }
}

impl FromAttr for bool {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(ValueError::wrong_type("BOOL", &other)),
        }
    }
}

attr!(
    String, bool, f64, f32, Binary, Blob, Number, SystemTime, DateTime
);

// Numbers.

/// The text of an `N` value.
fn number_text(value: AttributeValue) -> Result<String, ValueError> {
    match value {
        AttributeValue::N(text) => Ok(text),
        other => Err(ValueError::wrong_type("N", &other)),
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToAttr for $t {
            type Kind = N;

            fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
                Ok(Some(AttributeValue::N(itoa::Buffer::new().format(*self).to_owned())))
            }
        }

        from_integer!($t);
    )*};
}

macro_rules! wide_integers {
    ($($t:ty),*) => {$(
        impl ToAttr for $t {
            type Kind = N;

            /// Checked: beyond 38 significant digits is an error.
            fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
                Ok(Some(AttributeValue::N(Number::try_from(*self)?.into_string())))
            }
        }

        from_integer!($t);
    )*};
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl FromAttr for $t {
            fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
                let text = number_text(value)?;
                if let Ok(n) = text.parse::<$t>() {
                    return Ok(n);
                }
                // Not in plain integer form (`1E+3`, `10.0`): read it as a number first.
                let number: Number = text.parse()?;
                number.to_i128().ok().and_then(|n| <$t>::try_from(n).ok()).ok_or_else(|| {
                    ValueError::new(format!("{number} does not fit {} exactly", stringify!($t)))
                })
            }
        }

        attr!($t);
    )*};
}
integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
wide_integers!(i128, u128);

/// Whether `text` is a plain decimal short enough that every float parse of it is exact
/// (at most 15 significant digits, no exponent): the common case skips the full check.
fn float_exact_fast(text: &str) -> bool {
    text.len() <= 16
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && text.bytes().filter(u8::is_ascii_digit).count() <= 15
}

impl ToAttr for f64 {
    type Kind = N;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::N(
            Number::try_from(*self)?.into_string(),
        )))
    }
}

impl FromAttr for f64 {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        let text = number_text(value)?;
        if float_exact_fast(&text)
            && let Ok(float) = text.parse()
        {
            return Ok(float);
        }
        Ok(text.parse::<Number>()?.to_f64()?)
    }
}

impl ToAttr for f32 {
    type Kind = N;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::N(
            Number::try_from(*self)?.into_string(),
        )))
    }
}

impl FromAttr for f32 {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        let number: Number = number_text(value)?.parse()?;
        let float: f32 = number
            .as_str()
            .parse()
            .map_err(|_| ValueError::new(format!("{number} is not an f32")))?;
        if Number::try_from(float).ok().as_ref() == Some(&number) {
            Ok(float)
        } else {
            Err(ValueError::new(format!(
                "{number} does not fit f32 exactly"
            )))
        }
    }
}

impl ToAttr for Number {
    type Kind = N;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::N(self.as_str().to_owned())))
    }
}

impl FromAttr for Number {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        Ok(number_text(value)?.parse()?)
    }
}

// Binary.

impl ToAttr for Binary {
    type Kind = B;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::B(Blob::new(self.0.clone()))))
    }
}

impl FromAttr for Binary {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::B(blob) => Ok(Binary(blob.into_inner())),
            other => Err(ValueError::wrong_type("B", &other)),
        }
    }
}

impl ToAttr for Blob {
    type Kind = B;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::B(self.clone())))
    }
}

impl FromAttr for Blob {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::B(blob) => Ok(blob),
            other => Err(ValueError::wrong_type("B", &other)),
        }
    }
}

// Timestamps, as RFC 3339 strings in UTC with nine fraction digits (see `time`).

impl ToAttr for SystemTime {
    type Kind = S;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::S(super::time::format(*self)?)))
    }
}

impl FromAttr for SystemTime {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        super::time::parse(&String::from_attr(value)?)
    }
}

impl ToAttr for DateTime {
    type Kind = S;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        SystemTime::try_from(*self)
            .map_err(|_| ValueError::new("the time is outside what SystemTime holds"))?
            .to_attr()
    }
}

impl FromAttr for DateTime {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        SystemTime::from_attr(value).map(DateTime::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: ToAttr + FromAttr + PartialEq + std::fmt::Debug>(value: &T) {
        let encoded = value.to_attr().unwrap().unwrap();
        assert_eq!(&T::from_attr(encoded).unwrap(), value);
    }

    #[test]
    fn scalars_round_trip() {
        round_trip(&String::from("héllo"));
        round_trip(&String::new());
        round_trip(&true);
        round_trip(&i64::MIN);
        round_trip(&u64::MAX);
        round_trip(&-7_i8);
        round_trip(&0.1_f64);
        round_trip(&-2.5e-100_f64);
        round_trip(&1.5_f32);
        round_trip(&Binary(vec![0, 255, 7]));
        round_trip(
            &Number::try_from(12_345_678_901_234_567_890_123_456_789_012_345_678_u128).unwrap(),
        );
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_767_225_600_123);
        round_trip(&now);
    }

    #[test]
    fn numbers_never_round() {
        let n = |text: &str| AttributeValue::N(text.to_owned());
        assert_eq!(i32::from_attr(n("1E+3")).unwrap(), 1000);
        assert_eq!(u8::from_attr(n("10.0")).unwrap(), 10);
        assert!(u8::from_attr(n("256")).is_err());
        assert!(i64::from_attr(n("1.5")).is_err());
        assert!(f64::from_attr(n("3.14159265358979323846264338327950288")).is_err());
        assert!(f32::from_attr(n("0.1000000001")).is_err());
        assert!(f64::NAN.to_attr().is_err());
        assert!(i64::from_attr(AttributeValue::S("1".into())).is_err());
        assert!(u128::MAX.to_attr().is_err(), "39 digits");
    }
}
