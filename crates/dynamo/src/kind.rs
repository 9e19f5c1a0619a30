//! The DynamoDB type of an attribute, as a Rust type, so that the compiler can refuse an
//! operator DynamoDB would refuse.
//!
//! Every attribute type names its [`Kind`] ([`ToAttr::Kind`](crate::ToAttr::Kind)): a `String`
//! is [`S`], every integer, float and [`Number`](crate::Number) is [`N`], a `Vec<String>` is
//! [`L<S>`], a `HashSet<String>` is [`Ss`], a nested model or a `HashMap` is [`M`]. The
//! operators are implemented only for the kinds DynamoDB accepts them on: `begins_with` needs
//! [`Prefix`], `add` needs [`Addable`], `list_append` needs [`List`], and so on. Applying one to
//! the wrong kind is a compile error, not a `ValidationException` at run time.
//!
//! [`Any`] is the kind of untyped values (`serde_json::Value`, a raw `AttributeValue`): every
//! operator accepts it, and DynamoDB checks it at run time.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::ScalarAttributeType;

mod sealed {
    pub trait Sealed {}
}

/// A DynamoDB attribute type. Sealed: the set of kinds is DynamoDB's.
pub trait Kind: sealed::Sealed + 'static {
    /// The type's name in DynamoDB (`S`, `N`, `L`, …).
    const NAME: &'static str;
}

/// A string (`S`).
#[derive(Debug)]
pub enum S {}
/// A number (`N`).
#[derive(Debug)]
pub enum N {}
/// Binary (`B`).
#[derive(Debug)]
pub enum B {}
/// A boolean (`BOOL`).
#[derive(Debug)]
pub enum Bool {}
/// A map (`M`): a nested model or a `HashMap<String, _>`.
#[derive(Debug)]
pub enum M {}
/// A list (`L`) whose elements are of kind `E`.
#[derive(Debug)]
pub struct L<E>(PhantomData<fn() -> E>);
/// A string set (`SS`).
#[derive(Debug)]
pub enum Ss {}
/// A number set (`NS`).
#[derive(Debug)]
pub enum Ns {}
/// A binary set (`BS`).
#[derive(Debug)]
pub enum Bs {}
/// Any type, checked by DynamoDB at run time (`serde_json::Value`, `AttributeValue`).
#[derive(Debug)]
pub enum Any {}

macro_rules! kinds {
    ($($kind:ty => $name:literal),* $(,)?) => {$(
        impl sealed::Sealed for $kind {}
        impl Kind for $kind {
            const NAME: &'static str = $name;
        }
    )*};
}
kinds!(S => "S", N => "N", B => "B", Bool => "BOOL", M => "M", Ss => "SS", Ns => "NS", Bs => "BS", Any => "ANY");

impl<E: Kind> sealed::Sealed for L<E> {}
impl<E: Kind> Kind for L<E> {
    const NAME: &'static str = "L";
}

/// Kinds with an order: `<`, `<=`, `>`, `>=` and `between` (strings, numbers, binary).
pub trait Ordered: Kind {}
impl Ordered for S {}
impl Ordered for N {}
impl Ordered for B {}
impl Ordered for Any {}

/// Kinds `begins_with` accepts (strings and binary).
pub trait Prefix: Kind {}
impl Prefix for S {}
impl Prefix for B {}
impl Prefix for Any {}

/// Kinds `size` accepts (everything but numbers, booleans and null).
pub trait Sizable: Kind {}
impl Sizable for S {}
impl Sizable for B {}
impl Sizable for M {}
impl<E: Kind> Sizable for L<E> {}
impl Sizable for Ss {}
impl Sizable for Ns {}
impl Sizable for Bs {}
impl Sizable for Any {}

/// Kinds `+` and `-` accept in a `SET` (numbers).
pub trait Numeric: Kind {}
impl Numeric for N {}
impl Numeric for Any {}

/// Kinds the `ADD` action accepts: numbers (added) and sets (united).
pub trait Addable: Kind {}
impl Addable for N {}
impl Addable for Ss {}
impl Addable for Ns {}
impl Addable for Bs {}
impl Addable for Any {}

/// Kinds the `DELETE` action accepts (sets).
pub trait Set: Kind {
    /// The kind of one element.
    type Element: Kind;
}
impl Set for Ss {
    type Element = S;
}
impl Set for Ns {
    type Element = N;
}
impl Set for Bs {
    type Element = B;
}
impl Set for Any {
    type Element = Any;
}

/// Kinds `list_append` accepts (lists).
pub trait List: Kind {}
impl<E: Kind> List for L<E> {}
impl List for Any {}

/// `contains(path, operand)`: a string contains a substring, a set one of its elements, a
/// list one of its elements.
pub trait Contains: Kind {
    /// The kind of the operand.
    type Element: Kind;
}
impl Contains for S {
    type Element = S;
}
impl Contains for Ss {
    type Element = S;
}
impl Contains for Ns {
    type Element = N;
}
impl Contains for Bs {
    type Element = B;
}
impl<E: Kind> Contains for L<E> {
    type Element = E;
}
impl Contains for Any {
    type Element = Any;
}

/// Kinds a table or index key can have (strings, numbers, binary), with their type in a key
/// schema.
pub trait Key: Kind {
    /// The `AttributeDefinition` type.
    fn scalar_type() -> ScalarAttributeType;
}
impl Key for S {
    fn scalar_type() -> ScalarAttributeType {
        ScalarAttributeType::S
    }
}
impl Key for N {
    fn scalar_type() -> ScalarAttributeType {
        ScalarAttributeType::N
    }
}
impl Key for B {
    fn scalar_type() -> ScalarAttributeType {
        ScalarAttributeType::B
    }
}

/// Whether a value of kind `Self` may stand where kind `Target` is expected: the same kind,
/// or [`Any`] on either side.
pub trait Fits<Target: Kind>: Kind {}
impl<K: Kind> Fits<K> for K {}
macro_rules! fits_any {
    ($($kind:ty),*) => {$(
        impl Fits<Any> for $kind {}
        impl Fits<$kind> for Any {}
    )*};
}
fits_any!(S, N, B, Bool, M, Ss, Ns, Bs);
impl<E: Kind> Fits<Any> for L<E> {}
impl<E: Kind> Fits<L<E>> for Any {}

/// The type names of `attribute_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttributeType {
    /// `S`.
    String,
    /// `SS`.
    StringSet,
    /// `N`.
    Number,
    /// `NS`.
    NumberSet,
    /// `B`.
    Binary,
    /// `BS`.
    BinarySet,
    /// `BOOL`.
    Boolean,
    /// `NULL`.
    Null,
    /// `L`.
    List,
    /// `M`.
    Map,
}

impl AttributeType {
    /// The name DynamoDB uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "S",
            AttributeType::StringSet => "SS",
            AttributeType::Number => "N",
            AttributeType::NumberSet => "NS",
            AttributeType::Binary => "B",
            AttributeType::BinarySet => "BS",
            AttributeType::Boolean => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::List => "L",
            AttributeType::Map => "M",
        }
    }
}
