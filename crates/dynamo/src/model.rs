//! The traits `#[derive(Model)]` implements: [`Model`] for every derived struct (encoding,
//! decoding, typed paths) and [`Item`] for those that name a table (keys, indexes, version,
//! TTL, timestamps).

use std::marker::PhantomData;
use std::time::SystemTime;

use aws_sdk_dynamodb::primitives::DateTime;
use aws_sdk_dynamodb::types::ScalarAttributeType;

use crate::kind::Fits;
use crate::path::{FromPath, RawPath};
use crate::value::{Attr, AttributeValue, RawItem, ToAttr, ValueError, required};

/// A struct stored as a DynamoDB map: an item, or a map nested in one. Derive it.
pub trait Model: Sized {
    /// The generated `…Fields` type: one method per field, each giving its typed path.
    type Fields: FromPath;

    /// The top-level attribute names, in field order.
    const ATTRIBUTES: &'static [&'static str];

    /// The typed paths of the fields, from the top of the item.
    #[must_use]
    fn fields() -> Self::Fields {
        Self::Fields::from_path(RawPath::root())
    }

    /// Encodes it as a map of attributes (`None` fields and empty sets left out).
    ///
    /// # Errors
    ///
    /// [`ValueError`] naming the field whose value has no DynamoDB form.
    fn to_item(&self) -> Result<RawItem, ValueError>;

    /// Decodes it from a map of attributes; attributes it does not know are ignored.
    ///
    /// # Errors
    ///
    /// [`ValueError`] naming the attribute that is missing or does not fit its field.
    fn from_item(item: RawItem) -> Result<Self, ValueError>;
}

/// No range key: the table or index has a hash key only.
#[derive(Debug, Clone, Copy)]
pub enum NoRange {}

/// A key attribute: its name and its type in the key schema.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    /// The attribute name.
    pub name: &'static str,
    /// `S`, `N` or `B`.
    pub scalar: ScalarAttributeType,
}

/// A key schema: a hash key and an optional range key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySchema {
    /// The hash (partition) key.
    pub hash: KeyAttribute,
    /// The range (sort) key.
    pub range: Option<KeyAttribute>,
}

/// Global or local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// A global secondary index: its own hash key.
    Global,
    /// A local secondary index: the table's hash key, another range key.
    Local,
}

/// A secondary index of a model's table.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSchema {
    /// Its name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// Its keys.
    pub key: KeySchema,
}

/// A created or updated timestamp: its attribute and how to encode "now" for its type.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// The attribute.
    pub name: &'static str,
    /// Encodes an instant as the field's type does.
    pub encode: fn(SystemTime) -> Result<AttributeValue, ValueError>,
}

/// A model with a table: `#[dynamo(table = "…")]` and `#[dynamo(hash)]` on a field. Derive it
/// with [`Model`].
pub trait Item: Model {
    /// The table name (a [`Table`](crate::Table) can use another).
    const TABLE: &'static str;
    /// The hash key's Rust type.
    type Hash: Attr;
    /// The range key's Rust type, or [`NoRange`].
    type Range;
    /// The version attribute (optimistic locking).
    const VERSION: Option<&'static str> = None;
    /// The TTL attribute (epoch seconds).
    const TTL: Option<&'static str> = None;
    /// The created-at timestamp, set on the first write.
    const CREATED_AT: Option<Stamp> = None;
    /// The updated-at timestamp, set on every write.
    const UPDATED_AT: Option<Stamp> = None;

    /// The table's key schema.
    fn key_schema() -> KeySchema;

    /// The secondary indexes.
    #[must_use]
    fn indexes() -> Vec<IndexSchema> {
        Vec::new()
    }

    /// This item's key attributes.
    ///
    /// # Errors
    ///
    /// [`ValueError`] when a key value has no DynamoDB form.
    fn key(&self) -> Result<RawItem, ValueError>;

    /// The version this item was read at (0 for a new item).
    fn version(&self) -> u64 {
        0
    }

    /// Sets the version field.
    fn set_version(&mut self, _version: u64) {}

    /// Sets the timestamp fields: updated-at to `now`, created-at to `now` when it is unset.
    fn set_timestamps(&mut self, _now: SystemTime) {}
}

/// A key value for model `T`: the hash key alone for a table without a range key, or
/// `(hash, range)`.
pub trait IntoKey<T: Item> {
    /// The key attributes.
    ///
    /// # Errors
    ///
    /// [`ValueError`] when a key value has no DynamoDB form.
    fn into_key(self) -> Result<RawItem, ValueError>;
}

impl<T, H> IntoKey<T> for H
where
    T: Item<Range = NoRange>,
    H: ToAttr,
    H::Kind: Fits<<T::Hash as ToAttr>::Kind>,
{
    fn into_key(self) -> Result<RawItem, ValueError> {
        let schema = T::key_schema();
        let mut key = RawItem::with_capacity(1);
        key.insert(
            schema.hash.name.to_owned(),
            required(&self).map_err(|e| e.within(schema.hash.name))?,
        );
        Ok(key)
    }
}

impl<T, H, R> IntoKey<T> for (H, R)
where
    T: Item,
    T::Range: Attr,
    H: ToAttr,
    H::Kind: Fits<<T::Hash as ToAttr>::Kind>,
    R: ToAttr,
    R::Kind: Fits<<T::Range as ToAttr>::Kind>,
{
    fn into_key(self) -> Result<RawItem, ValueError> {
        let schema = T::key_schema();
        let mut key = RawItem::with_capacity(2);
        key.insert(
            schema.hash.name.to_owned(),
            required(&self.0).map_err(|e| e.within(schema.hash.name))?,
        );
        if let Some(range) = schema.range {
            key.insert(
                range.name.to_owned(),
                required(&self.1).map_err(|e| e.within(range.name))?,
            );
        }
        Ok(key)
    }
}

/// The types an [`Index`] is about, without owning any.
type Keys<T, H, R> = fn() -> (T, H, R);

/// A secondary index of model `T`, with hash key type `H` and range key type `R` (or
/// [`NoRange`]). The derive makes one constructor per declared index: `Movie::by_genre()`.
#[derive(Debug)]
pub struct Index<T, H, R = NoRange> {
    name: &'static str,
    types: PhantomData<Keys<T, H, R>>,
}

impl<T, H, R> Index<T, H, R> {
    /// The index called `name`; used by the generated code.
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            types: PhantomData,
        }
    }

    /// Its name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<T, H, R> Clone for Index<T, H, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, H, R> Copy for Index<T, H, R> {}

/// A version field's type: `u64`, `i64`, or an `Option` of one.
pub trait Version {
    /// The version (0 when unset).
    fn get(&self) -> u64;
    /// Sets it.
    fn set(&mut self, version: u64);
}

impl Version for u64 {
    fn get(&self) -> u64 {
        *self
    }
    fn set(&mut self, version: u64) {
        *self = version;
    }
}

impl Version for i64 {
    fn get(&self) -> u64 {
        u64::try_from(*self).unwrap_or(0)
    }
    fn set(&mut self, version: u64) {
        *self = i64::try_from(version).unwrap_or(i64::MAX);
    }
}

impl<V: Version + Default> Version for Option<V> {
    fn get(&self) -> u64 {
        self.as_ref().map_or(0, Version::get)
    }
    fn set(&mut self, version: u64) {
        self.get_or_insert_with(V::default).set(version);
    }
}

/// A timestamp field's type: `SystemTime`, `DateTime`, or an `Option` of one.
pub trait Timestamp: ToAttr {
    /// The value for `now`.
    fn at(now: SystemTime) -> Self;
    /// Whether it holds a time (an `Option` may not).
    fn is_set(&self) -> bool {
        true
    }
    /// `now` encoded as this type.
    ///
    /// # Errors
    ///
    /// [`ValueError`] when the instant has no form of this type.
    fn encode(now: SystemTime) -> Result<AttributeValue, ValueError>
    where
        Self: Sized,
    {
        required(&Self::at(now))
    }
}

impl Timestamp for SystemTime {
    fn at(now: SystemTime) -> Self {
        now
    }
}

impl Timestamp for DateTime {
    fn at(now: SystemTime) -> Self {
        DateTime::from(now)
    }
}

impl<T: Timestamp> Timestamp for Option<T> {
    fn at(now: SystemTime) -> Self {
        Some(T::at(now))
    }
    fn is_set(&self) -> bool {
        self.is_some()
    }
}

/// Anything that names an attribute path: [`Path`](crate::Path) and the generated
/// `…Fields` types. Projections take them.
pub trait AnyPath {
    /// The untyped path.
    fn raw_path(&self) -> &RawPath;
}

impl<T: ?Sized> AnyPath for crate::Path<T> {
    fn raw_path(&self) -> &RawPath {
        self.raw()
    }
}
