//! [`Report`]: an error with its whole source chain, for the log.
//!
//! Updraft errors keep their messages short and free of what a caller must not see (AWS error
//! text, ARNs, account ids, endpoints); the detail lives in their sources. `Report` writes the
//! error and every source after it, `: `-separated, which is what a log line wants.

use std::error::Error as StdError;
use std::fmt;

/// Displays an error and its source chain: `outer: cause: root cause`.
///
/// # Example
///
/// ```
/// use updraft_core::error::Report;
///
/// let error = updraft_core::Error::Credentials {
///     transient: true,
///     source: "the metadata service timed out".into(),
/// };
/// assert_eq!(error.to_string(), "cannot load AWS credentials");
/// assert_eq!(
///     Report(&error).to_string(),
///     "cannot load AWS credentials: the metadata service timed out"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut last = self.0.to_string();
        let mut source = self.0.source();
        while let Some(error) = source {
            let text = error.to_string();
            // Wrappers that display their source (`#[error(transparent)]`, `"…: {0}"`) would
            // repeat it; write a cause only when it adds something.
            if !text.is_empty() && !last.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            last = text;
            source = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("middle: {0}")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn writes_every_cause_once() {
        let error = Outer(Middle(std::io::Error::other("root")));
        assert_eq!(Report(&error).to_string(), "outer: middle: root");
        let alone = std::io::Error::other("alone");
        assert_eq!(Report(&alone).to_string(), "alone");
    }
}
