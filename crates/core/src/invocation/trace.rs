//! The X-Ray trace header an invocation carries, checked before it is passed on.

use std::fmt;

/// The longest trace header accepted. X-Ray's own is about 80 bytes plus any `Lineage`.
pub const MAX_LEN: usize = 256;

/// An `X-Amzn-Trace-Id` value (`Root=1-…-…;Parent=…;Sampled=…`), checked so that it can be
/// sent on as an HTTP header and an SQS system attribute as it is.
///
/// It comes from the Lambda runtime's invocation context, an SQS message's `AWSTraceHeader`
/// or a Fargate task's `_X_AMZN_TRACE_ID`; none of them is trusted to be well formed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TraceHeader(Box<str>);

/// Why a value is not a trace header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTrace {
    /// Longer than [`MAX_LEN`] bytes.
    #[error("a trace header is at most {MAX_LEN} bytes, this one has {0}")]
    TooLong(usize),
    /// A byte that cannot appear in a header value, or whitespace.
    #[error("a trace header holds visible ASCII only")]
    Character,
    /// No `Root=1-<8 hex>-<24 hex>` field.
    #[error("a trace header needs a Root=1-<8 hex digits>-<24 hex digits> field")]
    Root,
    /// A `Parent` that is not 16 hex digits.
    #[error("a trace header's Parent is 16 hex digits")]
    Parent,
}

impl TraceHeader {
    /// Checks `value`: visible ASCII, at most [`MAX_LEN`] bytes, a well-formed `Root` and, when
    /// present, `Parent`. Other fields (`Sampled`, `Lineage`, …) are kept as they are.
    ///
    /// # Errors
    ///
    /// [`InvalidTrace`] saying what is wrong.
    pub fn parse(value: &str) -> Result<Self, InvalidTrace> {
        if value.len() > MAX_LEN {
            return Err(InvalidTrace::TooLong(value.len()));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidTrace::Character);
        }
        let mut root = false;
        for field in value.split(';') {
            match field.split_once('=') {
                Some(("Root", id)) => root = root_ok(id),
                Some(("Parent", id)) if !hex(id, 16) => return Err(InvalidTrace::Parent),
                _ => {}
            }
        }
        if !root {
            return Err(InvalidTrace::Root);
        }
        Ok(Self(value.into()))
    }

    /// The header's value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trace's root id, `1-<time>-<random>`.
    #[must_use]
    pub fn root(&self) -> &str {
        self.field("Root").unwrap_or_default()
    }

    /// The parent segment's id, when the header names one.
    #[must_use]
    pub fn parent(&self) -> Option<&str> {
        self.field("Parent")
    }

    /// `Some(true)` for `Sampled=1`, `Some(false)` for `Sampled=0`, `None` when not decided.
    #[must_use]
    pub fn sampled(&self) -> Option<bool> {
        match self.field("Sampled") {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.0
            .split(';')
            .find_map(|field| match field.split_once('=') {
                Some((key, value)) if key == name => Some(value),
                _ => None,
            })
    }
}

impl std::str::FromStr for TraceHeader {
    type Err = InvalidTrace;

    fn from_str(value: &str) -> Result<Self, InvalidTrace> {
        Self::parse(value)
    }
}

impl fmt::Display for TraceHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TraceHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// `1-<8 hex>-<24 hex>`.
fn root_ok(id: &str) -> bool {
    let mut parts = id.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("1"), Some(time), Some(random), None) if hex(time, 8) && hex(random, 24)
    )
}

fn hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    #[test]
    fn a_lambda_trace_header_is_read_field_by_field() {
        let header = TraceHeader::parse(SAMPLE).unwrap();
        assert_eq!(header.as_str(), SAMPLE);
        assert_eq!(header.root(), "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(header.parent(), Some("53995c3f42cd8ad8"));
        assert_eq!(header.sampled(), Some(true));
        let lineage = format!("{SAMPLE};Lineage=a87bd80c:1|68fd508a:5");
        let header: TraceHeader = lineage.parse().unwrap();
        assert_eq!(header.to_string(), lineage);
        let unsampled = TraceHeader::parse("Root=1-5759e988-bd862e3fe1be46a994272793").unwrap();
        assert_eq!((unsampled.parent(), unsampled.sampled()), (None, None));
    }

    #[test]
    fn malformed_headers_are_refused_with_the_reason() {
        let cases = [
            ("", InvalidTrace::Root),
            ("Sampled=1", InvalidTrace::Root),
            ("Root=1-5759e988-bd862e3f", InvalidTrace::Root),
            (
                "Root=2-5759e988-bd862e3fe1be46a994272793",
                InvalidTrace::Root,
            ),
            (
                "Root=1-5759e98g-bd862e3fe1be46a994272793",
                InvalidTrace::Root,
            ),
            (
                "Root=1-5759e988-bd862e3fe1be46a994272793-1",
                InvalidTrace::Root,
            ),
            (
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz",
                InvalidTrace::Parent,
            ),
            (
                "Root=1-5759e988-bd862e3fe1be46a994272793;\r\nX-Evil: 1",
                InvalidTrace::Character,
            ),
            (
                "Root=1-5759e988-bd862e3fe1be46a994272793; ",
                InvalidTrace::Character,
            ),
            (
                "Root=1-5759e988-bd862e3fe1be46a994272793;é",
                InvalidTrace::Character,
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(TraceHeader::parse(value), Err(expected), "{value:?}");
        }
        let long = format!("{SAMPLE};Lineage={}", "a".repeat(MAX_LEN));
        assert!(matches!(
            TraceHeader::parse(&long),
            Err(InvalidTrace::TooLong(_))
        ));
        assert!(!InvalidTrace::Root.to_string().is_empty());
    }
}
