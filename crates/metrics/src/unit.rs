//! CloudWatch's units and storage resolutions.

use std::fmt;
use std::str::FromStr;

use crate::Error;

macro_rules! units {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A CloudWatch metric unit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Unit {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Unit {
            /// Every unit CloudWatch knows.
            pub const ALL: &'static [Unit] = &[$(Unit::$variant),*];

            /// The unit's name as CloudWatch spells it.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Unit::$variant => $name,)*
                }
            }
        }
    };
}

units! {
    Seconds => "Seconds",
    Microseconds => "Microseconds",
    Milliseconds => "Milliseconds",
    Bytes => "Bytes",
    Kilobytes => "Kilobytes",
    Megabytes => "Megabytes",
    Gigabytes => "Gigabytes",
    Terabytes => "Terabytes",
    Bits => "Bits",
    Kilobits => "Kilobits",
    Megabits => "Megabits",
    Gigabits => "Gigabits",
    Terabits => "Terabits",
    Percent => "Percent",
    Count => "Count",
    BytesPerSecond => "Bytes/Second",
    KilobytesPerSecond => "Kilobytes/Second",
    MegabytesPerSecond => "Megabytes/Second",
    GigabytesPerSecond => "Gigabytes/Second",
    TerabytesPerSecond => "Terabytes/Second",
    BitsPerSecond => "Bits/Second",
    KilobitsPerSecond => "Kilobits/Second",
    MegabitsPerSecond => "Megabits/Second",
    GigabitsPerSecond => "Gigabits/Second",
    TerabitsPerSecond => "Terabits/Second",
    CountPerSecond => "Count/Second",
    None => "None",
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Unit {
    type Err = Error;

    /// Parses a unit as CloudWatch spells it (`"Count"`, `"Bytes/Second"`).
    fn from_str(name: &str) -> Result<Self, Error> {
        Unit::ALL
            .iter()
            .copied()
            .find(|unit| unit.as_str() == name)
            .ok_or_else(|| Error::Unit(name.chars().take(64).collect()))
    }
}

/// How finely CloudWatch stores a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Resolution {
    /// One-minute storage, CloudWatch's default.
    #[default]
    Standard,
    /// One-second storage (`StorageResolution: 1`), billed as high-resolution.
    High,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_as_cloudwatch_spells_them() {
        for unit in Unit::ALL {
            assert_eq!(unit.as_str().parse::<Unit>().unwrap(), *unit);
        }
        assert_eq!(Unit::ALL.len(), 27);
        assert_eq!(Unit::BytesPerSecond.to_string(), "Bytes/Second");
        for bad in ["count", "", "Seconds ", "Furlongs", "Count/Minute"] {
            let err = bad.parse::<Unit>().unwrap_err();
            assert!(matches!(err, Error::Unit(_)), "{bad:?}");
            assert!(err.to_string().contains("unit"), "{err}");
        }
    }
}
