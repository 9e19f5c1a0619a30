//! Conditions and filters: comparisons, `between`, `in`, the functions, and `&`, `|`, `!`.
//!
//! Each operator is a method of [`Path`], available only for the kinds DynamoDB accepts it on:
//!
//! | method | DynamoDB | kinds |
//! |---|---|---|
//! | `eq`, `ne`, `is_in` | `=`, `<>`, `IN` | all |
//! | `lt`, `le`, `gt`, `ge`, `between` | `<`, `<=`, `>`, `>=`, `BETWEEN` | strings, numbers, binary |
//! | `begins_with` | `begins_with` | strings, binary |
//! | `contains` | `contains` | strings (substring), sets and lists (element) |
//! | `size` | `size`, then a comparison | all but numbers and booleans |
//! | `exists`, `not_exists`, `is_type` | `attribute_exists`, `attribute_not_exists`, `attribute_type` | all |

use std::ops::{BitAnd, BitOr, Not};

use super::operand::{IntoOperand, Node};
use crate::kind::{AttributeType, Contains, Kind, N, Ordered, Prefix, Sizable};
use crate::path::{Path, RawPath};
use crate::value::ToAttr;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// A condition, untyped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Compare(Comparator, Node, Node),
    Between(Node, Node, Node),
    In(Node, Vec<Node>),
    Exists(RawPath),
    NotExists(RawPath),
    Type(RawPath, AttributeType),
    BeginsWith(RawPath, Node),
    Contains(RawPath, Node),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

/// A condition or filter expression. Combine with `&`, `|` and `!`.
///
/// # Example
///
/// ```
/// # use updraft_dynamo::{Condition, Path, RawPath};
/// let rating: Path<f64> = Path::new(RawPath::attribute("rating"));
/// let genres: Path<Vec<String>> = Path::new(RawPath::attribute("genres"));
/// let good_drama: Condition = rating.ge(7.5) & genres.contains("Drama") & !rating.gt(9.9);
/// # let _ = good_drama;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Condition {
    pub(crate) cond: Cond,
}

impl Condition {
    fn new(cond: Cond) -> Self {
        Self { cond }
    }

    /// All of `conditions` (`None` when there are none).
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Option<Condition> {
        conditions.into_iter().reduce(|a, b| a & b)
    }

    /// Any of `conditions` (`None` when there are none).
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Option<Condition> {
        conditions.into_iter().reduce(|a, b| a | b)
    }
}

impl BitAnd for Condition {
    type Output = Condition;

    fn bitand(self, rhs: Condition) -> Condition {
        Condition::new(Cond::And(Box::new(self.cond), Box::new(rhs.cond)))
    }
}

impl BitOr for Condition {
    type Output = Condition;

    fn bitor(self, rhs: Condition) -> Condition {
        Condition::new(Cond::Or(Box::new(self.cond), Box::new(rhs.cond)))
    }
}

impl Not for Condition {
    type Output = Condition;

    fn not(self) -> Condition {
        Condition::new(Cond::Not(Box::new(self.cond)))
    }
}

fn compare<K: Kind>(op: Comparator, left: Node, right: impl IntoOperand<K>) -> Condition {
    Condition::new(Cond::Compare(op, left, right.into_operand().node))
}

impl<T: ToAttr + ?Sized> Path<T> {
    fn node(&self) -> Node {
        Node::Path(self.raw().clone())
    }

    /// `path = value`.
    pub fn eq(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Eq, self.node(), value)
    }

    /// `path <> value`.
    pub fn ne(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Ne, self.node(), value)
    }

    /// `path IN (values…)`: at most 100 values, checked when the expression is built.
    pub fn is_in<V: IntoOperand<T::Kind>>(&self, values: impl IntoIterator<Item = V>) -> Condition {
        Condition::new(Cond::In(
            self.node(),
            values.into_iter().map(|v| v.into_operand().node).collect(),
        ))
    }

    /// `attribute_exists(path)`.
    pub fn exists(&self) -> Condition {
        Condition::new(Cond::Exists(self.raw().clone()))
    }

    /// `attribute_not_exists(path)`.
    pub fn not_exists(&self) -> Condition {
        Condition::new(Cond::NotExists(self.raw().clone()))
    }

    /// `attribute_type(path, type)`.
    pub fn is_type(&self, kind: AttributeType) -> Condition {
        Condition::new(Cond::Type(self.raw().clone(), kind))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Ordered,
{
    /// `path < value`.
    pub fn lt(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Lt, self.node(), value)
    }

    /// `path <= value`.
    pub fn le(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Le, self.node(), value)
    }

    /// `path > value`.
    pub fn gt(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Gt, self.node(), value)
    }

    /// `path >= value`.
    pub fn ge(&self, value: impl IntoOperand<T::Kind>) -> Condition {
        compare(Comparator::Ge, self.node(), value)
    }

    /// `path BETWEEN low AND high` (both ends included).
    pub fn between(
        &self,
        low: impl IntoOperand<T::Kind>,
        high: impl IntoOperand<T::Kind>,
    ) -> Condition {
        Condition::new(Cond::Between(
            self.node(),
            low.into_operand().node,
            high.into_operand().node,
        ))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Prefix,
{
    /// `begins_with(path, prefix)`.
    pub fn begins_with(&self, prefix: impl IntoOperand<T::Kind>) -> Condition {
        Condition::new(Cond::BeginsWith(
            self.raw().clone(),
            prefix.into_operand().node,
        ))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Contains,
{
    /// `contains(path, operand)`: a substring of a string, an element of a set or a list.
    pub fn contains(&self, operand: impl IntoOperand<<T::Kind as Contains>::Element>) -> Condition {
        Condition::new(Cond::Contains(
            self.raw().clone(),
            operand.into_operand().node,
        ))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Sizable,
{
    /// `size(path)`, to compare: `actors.size().ge(3)`.
    pub fn size(&self) -> Size {
        Size {
            path: self.raw().clone(),
        }
    }
}

/// `size(path)`: compare it with a number, or use it as a number operand.
#[derive(Debug, Clone)]
#[must_use]
pub struct Size {
    path: RawPath,
}

impl Size {
    fn node(&self) -> Node {
        Node::Size(self.path.clone())
    }

    /// `size(path) = n`.
    pub fn eq(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Eq, self.node(), n)
    }

    /// `size(path) <> n`.
    pub fn ne(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Ne, self.node(), n)
    }

    /// `size(path) < n`.
    pub fn lt(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Lt, self.node(), n)
    }

    /// `size(path) <= n`.
    pub fn le(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Le, self.node(), n)
    }

    /// `size(path) > n`.
    pub fn gt(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Gt, self.node(), n)
    }

    /// `size(path) >= n`.
    pub fn ge(&self, n: impl IntoOperand<N>) -> Condition {
        compare(Comparator::Ge, self.node(), n)
    }

    /// `size(path) BETWEEN low AND high`.
    pub fn between(&self, low: impl IntoOperand<N>, high: impl IntoOperand<N>) -> Condition {
        Condition::new(Cond::Between(
            self.node(),
            low.into_operand().node,
            high.into_operand().node,
        ))
    }
}

impl IntoOperand<N> for Size {
    fn into_operand(self) -> super::operand::Operand<N> {
        super::operand::Operand::new(self.node())
    }
}
