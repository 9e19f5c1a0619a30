//! Operands: what a comparison, a `SET` or a function takes besides the path it is on — a
//! value, another path, `size(path)`, `if_not_exists`, `list_append` or `a + b` — each with
//! the DynamoDB kind it has, so a string cannot stand where a number must.

use std::marker::PhantomData;
use std::ops::{Add, Sub};

use crate::kind::{Fits, Kind, N, Numeric};
use crate::path::{Path, RawPath};
use crate::value::{AttributeValue, ToAttr, ValueError, required};

/// An operand, untyped: what the expression compiler reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// An attribute.
    Path(RawPath),
    /// A value, or why it could not be encoded (reported when the expression is built).
    Value(Result<AttributeValue, ValueError>),
    /// `size(path)`.
    Size(RawPath),
    /// `if_not_exists(path, operand)`.
    IfNotExists(RawPath, Box<Node>),
    /// `list_append(a, b)`.
    ListAppend(Box<Node>, Box<Node>),
    /// `a + b`.
    Plus(Box<Node>, Box<Node>),
    /// `a - b`.
    Minus(Box<Node>, Box<Node>),
}

/// An operand of DynamoDB kind `K`: made from a value, a path, or one of the functions.
#[must_use]
pub struct Operand<K> {
    pub(crate) node: Node,
    kind: PhantomData<fn() -> K>,
}

impl<K> Operand<K> {
    pub(crate) fn new(node: Node) -> Self {
        Self {
            node,
            kind: PhantomData,
        }
    }
}

impl<K> Clone for Operand<K> {
    fn clone(&self) -> Self {
        Self::new(self.node.clone())
    }
}

impl<K> std::fmt::Debug for Operand<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Operand").field(&self.node).finish()
    }
}

/// Anything that can be an operand of kind `K`: a value whose kind fits `K` (see
/// [`Fits`]), a [`Path`] to an attribute of that kind, or an [`Operand`].
pub trait IntoOperand<K: Kind> {
    /// The operand.
    fn into_operand(self) -> Operand<K>;
}

impl<K: Kind, V> IntoOperand<K> for V
where
    V: ToAttr,
    V::Kind: Fits<K>,
{
    fn into_operand(self) -> Operand<K> {
        Operand::new(Node::Value(required(&self)))
    }
}

impl<K: Kind, T> IntoOperand<K> for Path<T>
where
    T: ToAttr + ?Sized,
    T::Kind: Fits<K>,
{
    fn into_operand(self) -> Operand<K> {
        Operand::new(Node::Path(self.raw().clone()))
    }
}

impl<K: Kind, T> IntoOperand<K> for &Path<T>
where
    T: ToAttr + ?Sized,
    T::Kind: Fits<K>,
{
    fn into_operand(self) -> Operand<K> {
        Operand::new(Node::Path(self.raw().clone()))
    }
}

impl<K: Kind> IntoOperand<K> for Operand<K> {
    fn into_operand(self) -> Operand<K> {
        self
    }
}

impl<T: ToAttr + ?Sized> Path<T> {
    /// `if_not_exists(path, default)`: the attribute, or `default` when the item has none.
    /// Use it inside [`Path::set`].
    pub fn if_not_exists(&self, default: impl IntoOperand<T::Kind>) -> Operand<T::Kind> {
        Operand::new(Node::IfNotExists(
            self.raw().clone(),
            Box::new(default.into_operand().node),
        ))
    }
}

/// `a + b` or `a - b`: a `SET` value. DynamoDB takes one `+` or `-` per value, so it has no
/// `+` of its own: `a + 1 + 2` does not compile.
#[must_use]
pub struct Arithmetic<K> {
    node: Node,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Arithmetic<K> {
    fn clone(&self) -> Self {
        Self {
            node: self.node.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for Arithmetic<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Arithmetic").field(&self.node).finish()
    }
}

impl<K: Kind> IntoOperand<K> for Arithmetic<K> {
    fn into_operand(self) -> Operand<K> {
        Operand::new(self.node)
    }
}

fn arithmetic<K>(plus: bool, left: Node, right: Node) -> Arithmetic<K> {
    let (left, right) = (Box::new(left), Box::new(right));
    Arithmetic {
        node: if plus {
            Node::Plus(left, right)
        } else {
            Node::Minus(left, right)
        },
        kind: PhantomData,
    }
}

macro_rules! arithmetic {
    ($trait:ident, $method:ident, $plus:literal) => {
        impl<T, V> $trait<V> for Path<T>
        where
            T: ToAttr + ?Sized,
            T::Kind: Numeric,
            V: IntoOperand<N>,
        {
            type Output = Arithmetic<T::Kind>;

            fn $method(self, rhs: V) -> Arithmetic<T::Kind> {
                $trait::$method(&self, rhs)
            }
        }

        impl<T, V> $trait<V> for &Path<T>
        where
            T: ToAttr + ?Sized,
            T::Kind: Numeric,
            V: IntoOperand<N>,
        {
            type Output = Arithmetic<T::Kind>;

            fn $method(self, rhs: V) -> Arithmetic<T::Kind> {
                arithmetic(
                    $plus,
                    Node::Path(self.raw().clone()),
                    rhs.into_operand().node,
                )
            }
        }

        impl<K: Numeric, V: IntoOperand<N>> $trait<V> for Operand<K> {
            type Output = Arithmetic<K>;

            fn $method(self, rhs: V) -> Arithmetic<K> {
                arithmetic($plus, self.node, rhs.into_operand().node)
            }
        }
    };
}

arithmetic!(Add, add, true);
arithmetic!(Sub, sub, false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_paths_become_operands() {
        let rating: Path<f64> = Path::new(RawPath::attribute("rating"));
        let plus = &rating + 1;
        assert!(matches!(plus.node, Node::Plus(_, _)));
        let counter = rating.if_not_exists(0) - 1;
        assert!(matches!(counter.node, Node::Minus(_, _)));
        let value: Operand<N> = 5.5.into_operand();
        assert_eq!(value.node, Node::Value(Ok(AttributeValue::N("5.5".into()))));
        let bad: Operand<N> = f64::NAN.into_operand();
        assert!(matches!(bad.node, Node::Value(Err(_))));
        let default = rating.if_not_exists(0);
        assert!(matches!(default.node, Node::IfNotExists(_, _)));
    }
}
