//! [`Projection`]: the attributes a read returns.

use crate::model::AnyPath;
use crate::path::RawPath;

/// The attributes a get, query or scan returns (a `ProjectionExpression`). Fields of the model
/// that are left out must be `Option`s, sets or `#[dynamo(default)]`, or the read fails to
/// decode.
///
/// # Example
///
/// ```
/// # use updraft_dynamo::{Path, Projection, RawPath};
/// let title: Path<String> = Path::new(RawPath::attribute("title"));
/// let rating: Path<f64> = Path::new(RawPath::attribute("info").child("rating"));
/// let projection = Projection::new().path(&title).path(&rating);
/// # let _ = projection;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct Projection {
    pub(crate) paths: Vec<RawPath>,
}

impl Projection {
    /// No attributes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also returns the attribute at `path`.
    pub fn path(mut self, path: &impl AnyPath) -> Self {
        self.paths.push(path.raw_path().clone());
        self
    }

    /// The top-level attributes `names` (such as a model's `ATTRIBUTES`).
    pub fn attributes<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            paths: names.into_iter().map(RawPath::attribute).collect(),
        }
    }
}
