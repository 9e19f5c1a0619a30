//! Typed attribute paths: `Movie::fields().info().actors().at(0)` is the path
//! `info.actors[0]`, and its type, `Path<String>`, decides which operators it takes.
//!
//! The derive generates one method per field on the model's `…Fields` type, so a name that is
//! not a field does not compile. Lists add [`Path::at`], maps with string keys [`Path::key`]
//! (in `navigate`, which knows the value types; this module does not).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// One step of a path: an attribute name or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// An attribute (or map key) name.
    Name(Arc<str>),
    /// A list index.
    Index(usize),
}

/// A path without its type: the steps from the item's top level.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RawPath {
    segments: Vec<Segment>,
}

impl RawPath {
    /// The empty path: the item itself.
    #[must_use]
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of the top-level attribute `name`.
    #[must_use]
    pub fn attribute(name: &str) -> Self {
        Self::root().child(name)
    }

    /// This path, then the attribute `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Self {
        let mut segments = Vec::with_capacity(self.segments.len() + 1);
        segments.extend_from_slice(&self.segments);
        segments.push(Segment::Name(Arc::from(name)));
        Self { segments }
    }

    /// This path, then list element `index`.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.segments.clone();
        segments.push(Segment::Index(index));
        Self { segments }
    }

    /// The steps.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether it is the item itself.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The top-level attribute it starts with.
    #[must_use]
    pub fn top(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Name(name)) => Some(name),
            _ => None,
        }
    }

    /// Whether one of the two paths is a prefix of the other (DynamoDB refuses two update
    /// actions on overlapping paths).
    #[must_use]
    pub fn overlaps(&self, other: &RawPath) -> bool {
        self.segments
            .iter()
            .zip(&other.segments)
            .all(|(a, b)| a == b)
    }
}

impl fmt::Display for RawPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Name(name) if i == 0 => f.write_str(name)?,
                Segment::Name(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for RawPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawPath({self})")
    }
}

/// A typed path that can be made from a [`RawPath`]: [`Path`], and the `…Fields` types the
/// derive generates.
pub trait FromPath {
    /// The typed path at `raw`.
    fn from_path(raw: RawPath) -> Self;
}

/// The path of an attribute whose Rust type is `T`. The operators it takes depend on `T`'s
/// DynamoDB kind: see [`Condition`](crate::Condition) and [`Update`](crate::Update).
pub struct Path<T: ?Sized> {
    raw: RawPath,
    kind: PhantomData<fn() -> T>,
}

impl<T: ?Sized> Path<T> {
    /// The typed path at `raw`. Prefer the generated field methods, which check the names.
    #[must_use]
    pub fn new(raw: RawPath) -> Self {
        Self {
            raw,
            kind: PhantomData,
        }
    }

    /// The untyped path.
    #[must_use]
    pub fn raw(&self) -> &RawPath {
        &self.raw
    }
}

impl<T: ?Sized> FromPath for Path<T> {
    fn from_path(raw: RawPath) -> Self {
        Self::new(raw)
    }
}

impl<T: ?Sized> Clone for Path<T> {
    fn clone(&self) -> Self {
        Self::new(self.raw.clone())
    }
}

impl<T: ?Sized> fmt::Debug for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({})", self.raw)
    }
}

impl<T: ?Sized> fmt::Display for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.raw, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn paths_print_as_dynamodb_writes_them() {
        let actors: Path<Vec<String>> = Path::new(RawPath::attribute("info").child("actors"));
        assert_eq!(actors.at(0).to_string(), "info.actors[0]");
        let ratings: Path<HashMap<String, f64>> = Path::new(RawPath::attribute("ratings"));
        assert_eq!(ratings.key("imdb").to_string(), "ratings.imdb");
        assert!(actors.raw().overlaps(actors.at(2).raw()));
        assert!(!actors.raw().overlaps(ratings.raw()));
    }
}
