//! Update expressions: `SET`, `REMOVE`, `ADD` and `DELETE` actions, chained with `&`.
//!
//! | method | DynamoDB | kinds |
//! |---|---|---|
//! | `set(v)` | `SET p = v` (`v` may be `p + 1`, `p.if_not_exists(0)`, another path) | all |
//! | `set_if_not_exists(v)` | `SET p = if_not_exists(p, v)` | all |
//! | `list_append(v)`, `list_prepend(v)` | `SET p = list_append(p, v)` | lists |
//! | `remove()` | `REMOVE p` (list elements too: `actors().at(0).remove()`) | all |
//! | `add(v)` | `ADD p v` | numbers, sets |
//! | `delete(v)` | `DELETE p v` | sets |

use std::ops::BitAnd;

use super::operand::{IntoOperand, Node};
use crate::kind::{Addable, List, Set};
use crate::path::{Path, RawPath};
use crate::value::ToAttr;

/// One update action, untyped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Set(RawPath, Node),
    Remove(RawPath),
    Add(RawPath, Node),
    Delete(RawPath, Node),
}

impl Action {
    pub(crate) fn path(&self) -> &RawPath {
        match self {
            Action::Set(path, _)
            | Action::Remove(path)
            | Action::Add(path, _)
            | Action::Delete(path, _) => path,
        }
    }
}

/// An update expression: actions chained with `&`.
///
/// # Example
///
/// ```
/// # use updraft_dynamo::{Path, RawPath, Update};
/// let rating: Path<f64> = Path::new(RawPath::attribute("rating"));
/// let actors: Path<Vec<String>> = Path::new(RawPath::attribute("actors"));
/// let update: Update = rating.set(&rating + 1) & actors.list_append(vec!["Shemp"]) & actors.at(0).remove();
/// # let _ = update;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct Update {
    pub(crate) actions: Vec<Action>,
}

impl Update {
    /// No actions yet (updating with it is an error).
    pub fn new() -> Self {
        Self::default()
    }

    fn one(action: Action) -> Self {
        Self {
            actions: vec![action],
        }
    }

    /// Whether it has no actions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// This update and then `other`'s actions (the same as `self & other`).
    pub fn and(mut self, other: Update) -> Self {
        self.actions.extend(other.actions);
        self
    }
}

impl BitAnd for Update {
    type Output = Update;

    fn bitand(self, rhs: Update) -> Update {
        self.and(rhs)
    }
}

impl<T: ToAttr + ?Sized> Path<T> {
    /// `SET path = value`: a value, another path, `path + n`, `path.if_not_exists(v)`.
    pub fn set(&self, value: impl IntoOperand<T::Kind>) -> Update {
        Update::one(Action::Set(self.raw().clone(), value.into_operand().node))
    }

    /// `SET path = if_not_exists(path, value)`: sets it only where the item has none.
    pub fn set_if_not_exists(&self, value: impl IntoOperand<T::Kind>) -> Update {
        let value = self.if_not_exists(value);
        Update::one(Action::Set(self.raw().clone(), value.node))
    }

    /// `REMOVE path`.
    pub fn remove(&self) -> Update {
        Update::one(Action::Remove(self.raw().clone()))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: List,
{
    /// `SET path = list_append(path, items)`: adds `items` at the end.
    pub fn list_append(&self, items: impl IntoOperand<T::Kind>) -> Update {
        let node = Node::ListAppend(
            Box::new(Node::Path(self.raw().clone())),
            Box::new(items.into_operand().node),
        );
        Update::one(Action::Set(self.raw().clone(), node))
    }

    /// `SET path = list_append(items, path)`: adds `items` at the front.
    pub fn list_prepend(&self, items: impl IntoOperand<T::Kind>) -> Update {
        let node = Node::ListAppend(
            Box::new(items.into_operand().node),
            Box::new(Node::Path(self.raw().clone())),
        );
        Update::one(Action::Set(self.raw().clone(), node))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Addable,
{
    /// `ADD path value`: adds to a number (a missing one counts as 0), or unites a set with
    /// `value`'s elements.
    pub fn add(&self, value: impl IntoOperand<T::Kind>) -> Update {
        Update::one(Action::Add(self.raw().clone(), value.into_operand().node))
    }
}

impl<T: ToAttr + ?Sized> Path<T>
where
    T::Kind: Set,
{
    /// `DELETE path value`: removes `value`'s elements from a set.
    pub fn delete(&self, value: impl IntoOperand<T::Kind>) -> Update {
        Update::one(Action::Delete(
            self.raw().clone(),
            value.into_operand().node,
        ))
    }
}
