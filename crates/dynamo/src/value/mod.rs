//! Converting Rust values to and from DynamoDB attribute values.
//!
//! - [`ToAttr`] encodes a value, and names its DynamoDB [`Kind`].
//! - [`FromAttr`] decodes one, and says what a missing attribute means.
//! - [`Attr`] is both, plus the typed path of an attribute of that type: the field types of a
//!   [`Model`](crate::Model) implement it.
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `String`, `&str` (encode only) | `S` |
//! | integers, `f64`, `f32`, [`Number`](crate::Number) | `N`, exactly (see [`Number`](crate::Number)) |
//! | `bool` | `BOOL` |
//! | [`Binary`], `Blob` | `B` |
//! | `SystemTime`, `DateTime` | `S`, RFC 3339 in UTC with nine fraction digits (exact, and text order is time order) |
//! | `Option<T>` | `T`, left out when `None` (`NULL` inside a list or map) |
//! | `Vec<T>` | `L` |
//! | `HashMap<String, T>`, `BTreeMap<String, T>`, a derived model | `M` |
//! | `HashSet`/`BTreeSet` of strings, numbers, [`Binary`] | `SS`, `NS`, `BS`; left out when empty |
//! | `serde_json::Value`, `AttributeValue` | any |
//!
//! Implement [`ToAttr`] and [`FromAttr`] (and [`Attr`], with `type Path = Path<Self>`) for your
//! own types, such as an enum stored as a string.

mod collections;
mod error;
mod scalars;
mod time;

pub use aws_sdk_dynamodb::types::AttributeValue;
pub use collections::SetElement;
pub use error::ValueError;
pub use scalars::Binary;

use std::collections::HashMap;

use crate::kind::Kind;
use crate::path::FromPath;

/// An item as the SDK carries it: attribute names to values.
pub type RawItem = HashMap<String, AttributeValue>;

/// A value that encodes as a DynamoDB attribute value of kind [`ToAttr::Kind`].
pub trait ToAttr {
    /// The DynamoDB type it encodes as.
    type Kind: Kind;

    /// The attribute value; `None` when the attribute is left out (`Option::None`, an empty
    /// set).
    ///
    /// # Errors
    ///
    /// [`ValueError`] when the value has no DynamoDB form (a NaN, a number of 39 digits).
    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError>;
}

/// A value that decodes from a DynamoDB attribute value.
pub trait FromAttr: Sized {
    /// Decodes `value`.
    ///
    /// # Errors
    ///
    /// [`ValueError`] when `value` is of another type or does not fit (a fraction into an
    /// `i64`).
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError>;

    /// The value of an attribute the item does not have: `None` (the default) makes a missing
    /// attribute an error; `Option<T>` and sets give `None` and the empty set.
    #[must_use]
    fn missing() -> Option<Self> {
        None
    }
}

/// The type of a model's field: it encodes, decodes, and has a typed path.
pub trait Attr: ToAttr + FromAttr {
    /// The typed path of an attribute of this type: [`Path<Self>`](crate::Path) for plain
    /// values, the generated `…Fields` type for a derived model.
    type Path: FromPath;
}

impl<T: ToAttr + ?Sized> ToAttr for &T {
    type Kind = T::Kind;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        (**self).to_attr()
    }
}

impl<T: ToAttr + ?Sized> ToAttr for Box<T> {
    type Kind = T::Kind;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        (**self).to_attr()
    }
}

impl<T: FromAttr> FromAttr for Box<T> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        T::from_attr(value).map(Box::new)
    }

    fn missing() -> Option<Self> {
        T::missing().map(Box::new)
    }
}

impl<T: Attr> Attr for Box<T> {
    type Path = T::Path;
}

/// Encodes `value` as an element of a list or a value of a map: a left-out value is `NULL`.
pub(crate) fn element<T: ToAttr + ?Sized>(value: &T) -> Result<AttributeValue, ValueError> {
    Ok(value.to_attr()?.unwrap_or(AttributeValue::Null(true)))
}

/// Encodes `value` where it must be present: a key, an operand.
pub(crate) fn required<T: ToAttr + ?Sized>(value: &T) -> Result<AttributeValue, ValueError> {
    value.to_attr()?.ok_or_else(|| {
        ValueError::new("a value is required here, and it has none (None or an empty set)")
    })
}

/// The DynamoDB type name of `value`, for error messages.
#[must_use]
pub fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M",
        AttributeValue::L(_) => "L",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}
