//! Options, lists, maps, sets and untyped values.

// Over 400 lines on purpose: one short codec impl for each standard collection (options,
// lists, arrays, maps, sets), which read best side by side.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::primitives::Blob;

use super::{Attr, AttributeValue, Binary, FromAttr, ToAttr, ValueError, element};
use crate::kind::{Any, Bs, Kind, L, M, Ns, Ss};
use crate::{Number, Path};

// Option: left out when None.

impl<T: ToAttr> ToAttr for Option<T> {
    type Kind = T::Kind;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        match self {
            Some(value) => value.to_attr(),
            None => Ok(None),
        }
    }
}

impl<T: FromAttr> FromAttr for Option<T> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            value => T::from_attr(value).map(Some),
        }
    }

    fn missing() -> Option<Self> {
        Some(None)
    }
}

impl<T: Attr> Attr for Option<T> {
    type Path = T::Path;
}

// Lists.

impl<T: ToAttr> ToAttr for Vec<T> {
    type Kind = L<T::Kind>;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        self.as_slice().to_attr()
    }
}

impl<T: ToAttr> ToAttr for [T] {
    type Kind = L<T::Kind>;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        let mut list = Vec::with_capacity(self.len());
        for (index, value) in self.iter().enumerate() {
            list.push(element(value).map_err(|e| e.at(index))?);
        }
        Ok(Some(AttributeValue::L(list)))
    }
}

impl<T: ToAttr, const LEN: usize> ToAttr for [T; LEN] {
    type Kind = L<T::Kind>;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        self.as_slice().to_attr()
    }
}

impl<T: FromAttr> FromAttr for Vec<T> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::L(list) => list
                .into_iter()
                .enumerate()
                .map(|(index, value)| T::from_attr(value).map_err(|e| e.at(index)))
                .collect(),
            other => Err(ValueError::wrong_type("L", &other)),
        }
    }
}

impl<T: Attr> Attr for Vec<T> {
    type Path = Path<Vec<T>>;
}

// Maps with string keys.

fn encode_map<'a, T: ToAttr + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    len: usize,
) -> Result<Option<AttributeValue>, ValueError> {
    let mut map = HashMap::with_capacity(len);
    for (key, value) in entries {
        map.insert(key.clone(), element(value).map_err(|e| e.within(key))?);
    }
    Ok(Some(AttributeValue::M(map)))
}

fn decode_map<T: FromAttr, C: FromIterator<(String, T)>>(
    value: AttributeValue,
) -> Result<C, ValueError> {
    match value {
        AttributeValue::M(map) => map
            .into_iter()
            .map(|(key, value)| match T::from_attr(value) {
                Ok(value) => Ok((key, value)),
                Err(e) => Err(e.within(&key)),
            })
            .collect(),
        other => Err(ValueError::wrong_type("M", &other)),
    }
}

impl<T: ToAttr, H> ToAttr for HashMap<String, T, H> {
    type Kind = M;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        encode_map(self.iter(), self.len())
    }
}

impl<T: FromAttr, H: BuildHasher + Default> FromAttr for HashMap<String, T, H> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        decode_map(value)
    }
}

impl<T: Attr, H: BuildHasher + Default> Attr for HashMap<String, T, H> {
    type Path = Path<HashMap<String, T, H>>;
}

impl<T: ToAttr> ToAttr for BTreeMap<String, T> {
    type Kind = M;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        encode_map(self.iter(), self.len())
    }
}

impl<T: FromAttr> FromAttr for BTreeMap<String, T> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        decode_map(value)
    }
}

impl<T: Attr> Attr for BTreeMap<String, T> {
    type Path = Path<BTreeMap<String, T>>;
}

// Sets.

/// A type whose sets are DynamoDB sets: strings (`SS`), numbers (`NS`) and [`Binary`] (`BS`).
pub trait SetElement: Sized {
    /// The kind of a set of them.
    type SetKind: Kind;

    /// The set attribute of `elements` (not empty).
    ///
    /// # Errors
    ///
    /// [`ValueError`] when an element has no DynamoDB form.
    fn to_set<'a>(
        elements: impl Iterator<Item = &'a Self>,
        len: usize,
    ) -> Result<AttributeValue, ValueError>
    where
        Self: 'a;

    /// The elements of a set attribute.
    ///
    /// # Errors
    ///
    /// [`ValueError`] when it is another type, or an element does not fit.
    fn from_set(value: AttributeValue) -> Result<Vec<Self>, ValueError>;
}

impl SetElement for String {
    type SetKind = Ss;

    fn to_set<'a>(
        elements: impl Iterator<Item = &'a Self>,
        len: usize,
    ) -> Result<AttributeValue, ValueError> {
        let mut set = Vec::with_capacity(len);
        set.extend(elements.cloned());
        Ok(AttributeValue::Ss(set))
    }

    fn from_set(value: AttributeValue) -> Result<Vec<Self>, ValueError> {
        match value {
            AttributeValue::Ss(set) => Ok(set),
            other => Err(ValueError::wrong_type("SS", &other)),
        }
    }
}

impl SetElement for Binary {
    type SetKind = Bs;

    fn to_set<'a>(
        elements: impl Iterator<Item = &'a Self>,
        len: usize,
    ) -> Result<AttributeValue, ValueError> {
        let mut set = Vec::with_capacity(len);
        set.extend(elements.map(|b| Blob::new(b.0.clone())));
        Ok(AttributeValue::Bs(set))
    }

    fn from_set(value: AttributeValue) -> Result<Vec<Self>, ValueError> {
        match value {
            AttributeValue::Bs(set) => {
                Ok(set.into_iter().map(|b| Binary(b.into_inner())).collect())
            }
            other => Err(ValueError::wrong_type("BS", &other)),
        }
    }
}

macro_rules! number_sets {
    ($($t:ty),*) => {$(
        impl SetElement for $t {
            type SetKind = Ns;

            fn to_set<'a>(elements: impl Iterator<Item = &'a Self>, len: usize) -> Result<AttributeValue, ValueError> {
                let mut set = Vec::with_capacity(len);
                for element in elements {
                    match element.to_attr()? {
                        Some(AttributeValue::N(text)) => set.push(text),
                        _ => return Err(ValueError::new("a set element is not a number")),
                    }
                }
                Ok(AttributeValue::Ns(set))
            }

            fn from_set(value: AttributeValue) -> Result<Vec<Self>, ValueError> {
                match value {
                    AttributeValue::Ns(set) => set
                        .into_iter()
                        .map(|text| <$t>::from_attr(AttributeValue::N(text)))
                        .collect(),
                    other => Err(ValueError::wrong_type("NS", &other)),
                }
            }
        }
    )*};
}
number_sets!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, Number
);

fn encode_set<'a, T: SetElement + 'a>(
    elements: impl Iterator<Item = &'a T>,
    len: usize,
) -> Result<Option<AttributeValue>, ValueError> {
    if len == 0 {
        // DynamoDB has no empty sets: an empty set is an absent attribute.
        return Ok(None);
    }
    T::to_set(elements, len).map(Some)
}

fn decode_set<T: SetElement, C: FromIterator<T>>(value: AttributeValue) -> Result<C, ValueError> {
    match value {
        AttributeValue::Null(_) => Ok(std::iter::empty().collect()),
        value => Ok(T::from_set(value)?.into_iter().collect()),
    }
}

impl<T: SetElement, H> ToAttr for HashSet<T, H> {
    type Kind = T::SetKind;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        encode_set(self.iter(), self.len())
    }
}

impl<T: SetElement + Eq + Hash, H: BuildHasher + Default> FromAttr for HashSet<T, H> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        decode_set(value)
    }

    fn missing() -> Option<Self> {
        Some(HashSet::default())
    }
}

impl<T: SetElement + Eq + Hash, H: BuildHasher + Default> Attr for HashSet<T, H> {
    type Path = Path<HashSet<T, H>>;
}

impl<T: SetElement> ToAttr for BTreeSet<T> {
    type Kind = T::SetKind;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        encode_set(self.iter(), self.len())
    }
}

impl<T: SetElement + Ord> FromAttr for BTreeSet<T> {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        decode_set(value)
    }

    fn missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl<T: SetElement + Ord> Attr for BTreeSet<T> {
    type Path = Path<BTreeSet<T>>;
}

// Untyped values.

impl ToAttr for AttributeValue {
    type Kind = Any;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(self.clone()))
    }
}

impl FromAttr for AttributeValue {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        Ok(value)
    }
}

impl Attr for AttributeValue {
    type Path = Path<AttributeValue>;
}

/// A `serde_json::Value` as native DynamoDB types: objects are maps, arrays lists, numbers
/// exact `N`s. Decoding reads sets as arrays and binary as base64 text, and refuses a number
/// that JSON's `f64` would round.
impl ToAttr for serde_json::Value {
    type Kind = Any;

    fn to_attr(&self) -> Result<Option<AttributeValue>, ValueError> {
        use serde_json::Value;
        Ok(Some(match self {
            Value::Null => AttributeValue::Null(true),
            Value::Bool(b) => AttributeValue::Bool(*b),
            Value::Number(n) => AttributeValue::N(n.to_string().parse::<Number>()?.into_string()),
            Value::String(s) => AttributeValue::S(s.clone()),
            Value::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    list.push(element(item).map_err(|e| e.at(index))?);
                }
                AttributeValue::L(list)
            }
            Value::Object(object) => {
                let mut map = HashMap::with_capacity(object.len());
                for (key, value) in object {
                    map.insert(key.clone(), element(value).map_err(|e| e.within(key))?);
                }
                AttributeValue::M(map)
            }
        }))
    }
}

impl FromAttr for serde_json::Value {
    fn from_attr(value: AttributeValue) -> Result<Self, ValueError> {
        use base64::Engine as _;
        use serde_json::Value;
        let number = |text: String| -> Result<Value, ValueError> {
            let number: Number = text.parse()?;
            if let Ok(n) = number.to_i64() {
                return Ok(Value::from(n));
            }
            if let Ok(n) = number.to_u64() {
                return Ok(Value::from(n));
            }
            Ok(Value::from(number.to_f64().map_err(|_| {
                ValueError::new(format!("{number} has more digits than a JSON number keeps"))
            })?))
        };
        Ok(match value {
            AttributeValue::Null(_) => Value::Null,
            AttributeValue::Bool(b) => Value::Bool(b),
            AttributeValue::S(s) => Value::String(s),
            AttributeValue::N(n) => number(n)?,
            AttributeValue::B(b) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
            }
            AttributeValue::Ss(set) => Value::Array(set.into_iter().map(Value::String).collect()),
            AttributeValue::Ns(set) => {
                Value::Array(set.into_iter().map(number).collect::<Result<_, _>>()?)
            }
            AttributeValue::Bs(set) => Value::Array(
                set.into_iter()
                    .map(|b| {
                        Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
                    })
                    .collect(),
            ),
            AttributeValue::L(list) => Value::Array(
                list.into_iter()
                    .enumerate()
                    .map(|(index, v)| Value::from_attr(v).map_err(|e| e.at(index)))
                    .collect::<Result<_, _>>()?,
            ),
            AttributeValue::M(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| match Value::from_attr(v) {
                        Ok(v) => Ok((k, v)),
                        Err(e) => Err(e.within(&k)),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(ValueError::wrong_type("a JSON-like type", &other)),
        })
    }
}

impl Attr for serde_json::Value {
    type Path = Path<serde_json::Value>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_sets_and_lists() {
        assert_eq!(None::<String>.to_attr().unwrap(), None);
        assert_eq!(Option::<String>::missing(), Some(None));
        assert_eq!(
            HashSet::<String>::new().to_attr().unwrap(),
            None,
            "empty sets are left out"
        );
        let list = vec![Some(1), None].to_attr().unwrap().unwrap();
        assert_eq!(
            list,
            AttributeValue::L(vec![
                AttributeValue::N("1".into()),
                AttributeValue::Null(true)
            ])
        );
        let back: Vec<Option<i32>> = Vec::from_attr(list).unwrap();
        assert_eq!(back, vec![Some(1), None]);
        let numbers: BTreeSet<i64> = [3, 1, 2].into();
        let encoded = numbers.to_attr().unwrap().unwrap();
        assert!(matches!(&encoded, AttributeValue::Ns(n) if n.len() == 3));
        assert_eq!(BTreeSet::<i64>::from_attr(encoded).unwrap(), numbers);
        let error = Vec::<i32>::from_attr(AttributeValue::L(vec![
            AttributeValue::N("1".into()),
            AttributeValue::S("x".into()),
        ]))
        .unwrap_err();
        assert_eq!(error.path(), "[1]");
    }

    #[test]
    fn json_values_are_native_and_exact() {
        let value = serde_json::json!({"a": [1, "two", null, true], "b": {"c": 2.5}});
        let encoded = value.to_attr().unwrap().unwrap();
        assert_eq!(serde_json::Value::from_attr(encoded).unwrap(), value);
        let too_precise = AttributeValue::N("1.2345678901234567890123".into());
        assert!(serde_json::Value::from_attr(too_precise).is_err());
    }
}
