//! [`Number`]: a DynamoDB number with every one of its 38 significant digits.

// Over 400 lines on purpose: parsing, normalising, ordering and converting are one exact
// decimal type, and each relies on the others' invariants (a normalised digit string).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The most significant digits DynamoDB keeps.
pub const MAX_DIGITS: usize = 38;
/// The smallest decimal exponent of a non-zero DynamoDB number (1E-130).
pub const MIN_EXPONENT: i32 = -130;
/// The largest decimal exponent of a DynamoDB number (9.99…E+125).
pub const MAX_EXPONENT: i32 = 125;

/// A DynamoDB number, exact to all 38 digits.
///
/// DynamoDB numbers are decimals of up to 38 significant digits, with magnitudes from 1E-130 to
/// below 1E+126. `f64` holds about 17 digits and `rust_decimal` 28, so both lose digits that
/// DynamoDB keeps. `Number` keeps them all: it is the decimal text, checked and put in one
/// canonical form, so equal numbers compare equal and hash the same; `Ord` is numeric.
///
/// Conversions never round silently:
/// - every integer type converts into a `Number` without loss (`i128`/`u128` beyond 38 digits
///   are an error);
/// - a float converts when its shortest round-trip decimal fits DynamoDB, so reading the number
///   back gives the very same float; NaN, infinities and magnitudes DynamoDB cannot hold are an
///   error;
/// - a `Number` converts into an integer type only when it is an integer in range, and into
///   `f64` only when the float reads back as the same number.
///
/// # Example
///
/// ```
/// use updraft_dynamo::Number;
///
/// let big: Number = "12345678901234567890123456789012345678".parse()?;
/// assert_eq!(big.to_string(), "12345678901234567890123456789012345678");
/// assert_eq!(Number::from(42_i64).to_i64()?, 42);
/// assert_eq!(Number::try_from(5.5_f64)?.to_string(), "5.5");
/// assert!(Number::try_from(f64::NAN).is_err());
/// assert!("1.234567890123456789012345678901234567891".parse::<Number>().is_err());
/// # Ok::<(), updraft_dynamo::NumberError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    /// Canonical: optional `-`, no leading zeros, no trailing fraction zeros, no exponent.
    text: String,
}

/// Why a value is not a DynamoDB number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NumberError {
    /// The text is not a decimal number.
    #[error("`{0}` is not a number")]
    Syntax(String),
    /// More significant digits than DynamoDB keeps.
    #[error("{digits} significant digits; DynamoDB keeps at most 38")]
    Precision {
        /// How many there are.
        digits: usize,
    },
    /// A magnitude outside 1E-130 ..= 9.99…E+125.
    #[error("the magnitude 1E{exponent} is outside DynamoDB's range (1E-130 to 1E+125)")]
    Range {
        /// The decimal exponent of the leading digit.
        exponent: i64,
    },
    /// A float that is NaN or infinite.
    #[error("{0} is not a finite number")]
    NotFinite(f64),
    /// The number does not fit the Rust type without losing something.
    #[error("{number} does not fit {target} exactly")]
    Inexact {
        /// The number.
        number: String,
        /// The Rust type asked for.
        target: &'static str,
    },
}

/// A number taken apart: sign, significant digits (no leading or trailing zeros) and the
/// decimal exponent of the first digit (`12.5` is `125` with exponent 1).
struct Parts<'a> {
    negative: bool,
    digits: Digits<'a>,
    exponent: i64,
}

/// The significant digits, which may straddle the decimal point of the input.
struct Digits<'a> {
    integer: &'a [u8],
    fraction: &'a [u8],
}

impl Digits<'_> {
    fn len(&self) -> usize {
        self.integer.len() + self.fraction.len()
    }

    fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.integer.iter().chain(self.fraction).copied()
    }
}

fn parse(text: &str) -> Result<Parts<'_>, NumberError> {
    let syntax = || NumberError::Syntax(text.to_owned());
    let bytes = text.trim().as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mantissa, exp) = match rest.iter().position(|b| *b == b'e' || *b == b'E') {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (integer, fraction) = match mantissa.iter().position(|b| *b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &mantissa[mantissa.len()..]),
    };
    if integer.is_empty() && fraction.is_empty()
        || !integer.iter().chain(fraction).all(u8::is_ascii_digit)
    {
        return Err(syntax());
    }
    let exp: i64 = match exp {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(b"+").or(e.strip_prefix(b"-")).unwrap_or(e);
            if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(syntax());
            }
            std::str::from_utf8(e)
                .ok()
                .and_then(|e| e.trim_start_matches('+').parse().ok())
                .ok_or_else(syntax)?
        }
    };
    // Leading zeros of the integer part, then (if it is all zeros) of the fraction.
    let integer_start = integer
        .iter()
        .position(|b| *b != b'0')
        .unwrap_or(integer.len());
    let integer = &integer[integer_start..];
    let (fraction, exponent) = if integer.is_empty() {
        let start = fraction
            .iter()
            .position(|b| *b != b'0')
            .unwrap_or(fraction.len());
        (
            &fraction[start..],
            exp - 1 - i64::try_from(start).unwrap_or(i64::MAX),
        )
    } else {
        (
            fraction,
            exp + i64::try_from(integer.len()).unwrap_or(i64::MAX) - 1,
        )
    };
    // Trailing zeros: of the fraction, then (if it is empty) of the integer part.
    let fraction_end = fraction
        .iter()
        .rposition(|b| *b != b'0')
        .map_or(0, |at| at + 1);
    let fraction = &fraction[..fraction_end];
    let integer = if fraction.is_empty() {
        let end = integer
            .iter()
            .rposition(|b| *b != b'0')
            .map_or(0, |at| at + 1);
        &integer[..end]
    } else {
        integer
    };
    Ok(Parts {
        negative,
        digits: Digits { integer, fraction },
        exponent,
    })
}

impl Parts<'_> {
    fn is_zero(&self) -> bool {
        self.digits.len() == 0
    }

    fn check(&self) -> Result<(), NumberError> {
        if self.is_zero() {
            return Ok(());
        }
        if self.digits.len() > MAX_DIGITS {
            return Err(NumberError::Precision {
                digits: self.digits.len(),
            });
        }
        if self.exponent < i64::from(MIN_EXPONENT) || self.exponent > i64::from(MAX_EXPONENT) {
            return Err(NumberError::Range {
                exponent: self.exponent,
            });
        }
        Ok(())
    }

    /// The canonical text: plain notation, no redundant zeros.
    fn canonical(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let digits = self.digits.len();
        let mut out = String::with_capacity(digits + 4);
        if self.negative {
            out.push('-');
        }
        let exponent = self.exponent;
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.extend(self.digits.iter().map(char::from));
        } else {
            let integer_digits = usize::try_from(exponent).unwrap_or(0) + 1;
            for (i, digit) in self.digits.iter().enumerate() {
                if i == integer_digits {
                    out.push('.');
                }
                out.push(char::from(digit));
            }
            for _ in digits..integer_digits {
                out.push('0');
            }
        }
        out
    }
}

impl Number {
    /// Zero.
    #[must_use]
    pub fn zero() -> Self {
        Self { text: "0".into() }
    }

    /// The canonical decimal text, as DynamoDB's wire format carries it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The canonical decimal text.
    #[must_use]
    pub fn into_string(self) -> String {
        self.text
    }

    /// How many significant digits it has (0 for zero): `100` has one, `0.0012` two.
    #[must_use]
    pub fn significant_digits(&self) -> usize {
        parse(&self.text).map_or(0, |parts| parts.digits.len())
    }

    /// Whether it is below zero.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.text.starts_with('-')
    }

    /// Whether it has no fraction.
    #[must_use]
    pub fn is_integer(&self) -> bool {
        !self.text.contains('.')
    }

    /// The number as an `i64`, when it is an integer in range.
    ///
    /// # Errors
    ///
    /// [`NumberError::Inexact`] for a fraction or a number out of range.
    pub fn to_i64(&self) -> Result<i64, NumberError> {
        self.text.parse().map_err(|_| self.inexact("i64"))
    }

    /// The number as a `u64`, when it is a non-negative integer in range.
    ///
    /// # Errors
    ///
    /// [`NumberError::Inexact`] for a fraction, a negative or a number out of range.
    pub fn to_u64(&self) -> Result<u64, NumberError> {
        self.text.parse().map_err(|_| self.inexact("u64"))
    }

    /// The number as an `i128`, when it is an integer in range.
    ///
    /// # Errors
    ///
    /// [`NumberError::Inexact`] for a fraction or a number out of range.
    pub fn to_i128(&self) -> Result<i128, NumberError> {
        self.text.parse().map_err(|_| self.inexact("i128"))
    }

    /// The number as an `f64`, when that float reads back as this very number.
    ///
    /// # Errors
    ///
    /// [`NumberError::Inexact`] when the float would round it (more digits than a float
    /// holds, or a magnitude beyond `f64`).
    pub fn to_f64(&self) -> Result<f64, NumberError> {
        let float: f64 = self.text.parse().map_err(|_| self.inexact("f64"))?;
        match Number::try_from(float) {
            Ok(back) if back == *self => Ok(float),
            _ => Err(self.inexact("f64")),
        }
    }

    fn inexact(&self, target: &'static str) -> NumberError {
        NumberError::Inexact {
            number: self.text.clone(),
            target,
        }
    }

    /// A number from text the caller guarantees is canonical (integer formatting).
    fn from_canonical(text: String) -> Self {
        Self { text }
    }
}

impl FromStr for Number {
    type Err = NumberError;

    /// Parses decimal text, with an optional sign, fraction and exponent (`-1.5E+3`).
    fn from_str(text: &str) -> Result<Self, NumberError> {
        let parts = parse(text)?;
        parts.check()?;
        Ok(Self {
            text: parts.canonical(),
        })
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.text)
    }
}

impl Default for Number {
    fn default() -> Self {
        Self::zero()
    }
}

impl Ord for Number {
    /// Numeric order.
    fn cmp(&self, other: &Self) -> Ordering {
        if self.text == other.text {
            return Ordering::Equal;
        }
        let (Ok(a), Ok(b)) = (parse(&self.text), parse(&other.text)) else {
            return self.text.cmp(&other.text);
        };
        let sign = |p: &Parts<'_>| {
            if p.is_zero() {
                0
            } else if p.negative {
                -1
            } else {
                1
            }
        };
        let by_sign = sign(&a).cmp(&sign(&b));
        if by_sign != Ordering::Equal || sign(&a) == 0 {
            return by_sign;
        }
        let magnitude = a
            .exponent
            .cmp(&b.exponent)
            .then_with(|| a.digits.iter().cmp(b.digits.iter()));
        if a.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Self {
                Number::from_canonical(itoa::Buffer::new().format(value).to_owned())
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! from_wide_integer {
    ($($t:ty),*) => {$(
        impl TryFrom<$t> for Number {
            type Error = NumberError;

            /// # Errors
            ///
            /// [`NumberError::Precision`] beyond 38 significant digits.
            fn try_from(value: $t) -> Result<Self, NumberError> {
                itoa::Buffer::new().format(value).parse()
            }
        }
    )*};
}
from_wide_integer!(i128, u128);

impl TryFrom<f64> for Number {
    type Error = NumberError;

    /// The shortest decimal that reads back as `value`.
    ///
    /// # Errors
    ///
    /// [`NumberError::NotFinite`] for NaN and infinities, [`NumberError::Range`] for a
    /// magnitude DynamoDB cannot hold.
    fn try_from(value: f64) -> Result<Self, NumberError> {
        if !value.is_finite() {
            return Err(NumberError::NotFinite(value));
        }
        if value == 0.0 {
            return Ok(Self::zero());
        }
        ryu::Buffer::new().format_finite(value).parse()
    }
}

impl TryFrom<f32> for Number {
    type Error = NumberError;

    /// The shortest decimal that reads back as `value` (as an `f32`).
    ///
    /// # Errors
    ///
    /// As for `f64`.
    fn try_from(value: f32) -> Result<Self, NumberError> {
        if !value.is_finite() {
            return Err(NumberError::NotFinite(f64::from(value)));
        }
        if value == 0.0 {
            return Ok(Self::zero());
        }
        ryu::Buffer::new().format_finite(value).parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        text.parse().unwrap()
    }

    #[test]
    fn canonical_forms() {
        for (input, canonical) in [
            ("0", "0"),
            ("-0", "0"),
            ("000.000", "0"),
            ("5.50", "5.5"),
            ("+007", "7"),
            ("1E+2", "100"),
            ("1.5e3", "1500"),
            ("-1.25E-3", "-0.00125"),
            (".5", "0.5"),
            ("5.", "5"),
            ("120", "120"),
            ("0.000120", "0.00012"),
        ] {
            assert_eq!(n(input).as_str(), canonical, "{input}");
        }
    }

    #[test]
    fn limits() {
        let digits38 = "1".repeat(38);
        assert_eq!(n(&digits38).as_str(), digits38);
        assert!(matches!(
            "1".repeat(39).parse::<Number>(),
            Err(NumberError::Precision { digits: 39 })
        ));
        assert!(n("1E+125").as_str().len() == 126);
        assert!(matches!(
            "1E+126".parse::<Number>(),
            Err(NumberError::Range { exponent: 126 })
        ));
        assert!(n("1E-130").as_str().ends_with('1'));
        assert!("1E-131".parse::<Number>().is_err());
        for bad in [
            "",
            "-",
            "1.2.3",
            "abc",
            "1e",
            "1e+",
            "--1",
            "0x10",
            "1e9999999",
            " ",
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?}");
        }
    }

    #[test]
    #[allow(clippy::float_cmp, reason = "exactness is what is tested")]
    fn conversions_are_exact_or_errors() {
        assert_eq!(Number::from(i64::MIN).to_i64().unwrap(), i64::MIN);
        assert_eq!(Number::from(u64::MAX).to_u64().unwrap(), u64::MAX);
        assert!(Number::try_from(u128::MAX).is_err(), "39 digits");
        assert!(n("1.5").to_i64().is_err());
        assert!(n("-1").to_u64().is_err());
        assert_eq!(Number::try_from(0.1_f64).unwrap().as_str(), "0.1");
        assert_eq!(n("0.1").to_f64().unwrap(), 0.1);
        assert!(n("3.14159265358979323846264338327950288").to_f64().is_err());
        assert!(Number::try_from(f64::INFINITY).is_err());
        assert!(Number::try_from(1e-200_f64).is_err());
        assert!(Number::try_from(f64::MAX).is_err());
        assert_eq!(Number::try_from(-0.0_f64).unwrap(), Number::zero());
    }

    #[test]
    fn numeric_order() {
        let mut numbers: Vec<Number> = ["10", "-2", "0", "9.99", "-10", "0.001", "1E+20", "-0.5"]
            .into_iter()
            .map(n)
            .collect();
        numbers.sort();
        let sorted: Vec<&str> = numbers.iter().map(Number::as_str).collect();
        assert_eq!(
            sorted,
            [
                "-10",
                "-2",
                "-0.5",
                "0",
                "0.001",
                "9.99",
                "10",
                "100000000000000000000"
            ]
        );
    }
}
