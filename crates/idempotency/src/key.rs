//! Idempotency keys: what part of the input identifies a repeat, and the payload hash that
//! tells a repeat from a different request that reuses its key.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// Which part of the input makes the idempotency key.
///
/// The key is hashed, prefixed with the function and handler names and scoped by the current
/// session's state, so two handlers or two tenants never share a record.
pub struct Key<I> {
    source: Source<I>,
}

impl<I> Clone for Key<I> {
    fn clone(&self) -> Self {
        Self {
            source: match &self.source {
                Source::Whole => Source::Whole,
                Source::Fields(fields) => Source::Fields(fields.clone()),
                Source::Custom(key) => Source::Custom(key.clone()),
            },
        }
    }
}

/// A key function.
type KeyFn<I> = Arc<dyn Fn(&I) -> Option<String> + Send + Sync>;

enum Source<I> {
    Whole,
    Fields(Vec<String>),
    Custom(KeyFn<I>),
}

impl<I> fmt::Debug for Key<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Whole => f.write_str("Key::whole"),
            Source::Fields(fields) => write!(f, "Key::fields({fields:?})"),
            Source::Custom(_) => f.write_str("Key::from_fn(..)"),
        }
    }
}

impl<I> Key<I> {
    /// The whole input, as canonical JSON (object keys sorted).
    #[must_use]
    pub fn whole() -> Self {
        Self {
            source: Source::Whole,
        }
    }

    /// Selected fields of the input's JSON, each a dotted path (`order.id`) or a JSON pointer
    /// (`/order/id`). A call whose input lacks every one of them has no key.
    pub fn fields<S: Into<String>>(fields: impl IntoIterator<Item = S>) -> Self {
        Self {
            source: Source::Fields(fields.into_iter().map(Into::into).collect()),
        }
    }

    /// A key computed from the input; `None` means the input has no key.
    pub fn from_fn(key: impl Fn(&I) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            source: Source::Custom(Arc::new(key)),
        }
    }

    /// The key material of `input` (whose JSON is `json`), or `None` when it has none.
    pub(crate) fn material(&self, input: &I, json: &Value) -> Option<String> {
        match &self.source {
            Source::Whole => Some(canonical(json)),
            Source::Custom(key) => key(input).filter(|k| !k.is_empty()),
            Source::Fields(fields) => {
                let picked: Vec<Value> = fields.iter().map(|f| pick(json, f)).collect();
                if picked.iter().all(Value::is_null) {
                    None
                } else {
                    Some(canonical(&Value::Array(picked)))
                }
            }
        }
    }

    /// The fields this key reads, for error messages.
    pub(crate) fn describe(&self) -> String {
        match &self.source {
            Source::Whole => "the whole input".to_owned(),
            Source::Fields(fields) => fields.join(", "),
            Source::Custom(_) => "a key function".to_owned(),
        }
    }
}

/// The value at a dotted path or JSON pointer; `Null` when absent.
fn pick(json: &Value, field: &str) -> Value {
    let found = if field.starts_with('/') {
        json.pointer(field)
    } else {
        field.split('.').try_fold(json, |value, part| match value {
            Value::Object(map) => map.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    };
    found.cloned().unwrap_or(Value::Null)
}

/// JSON with object keys sorted at every level, so equal values hash equally whatever order
/// their fields came in.
pub(crate) fn canonical(json: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(json).to_string()
}

/// Lower-case hex SHA-256 of `text`.
pub(crate) fn sha256(text: &str) -> String {
    sha256_bytes(text.as_bytes())
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_bytes(bytes: &[u8]) -> String {
    updraft_core::digest::sha256_hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn fields_pick_dotted_paths_and_pointers() {
        let input = json!({"order": {"id": "o-1", "lines": [{"sku": "tea"}]}, "amount": 5});
        let key = Key::<()>::fields(["order.id", "/amount"]);
        assert_eq!(key.material(&(), &input).unwrap(), r#"["o-1",5]"#);
        let nested = Key::<()>::fields(["order.lines.0.sku"]);
        assert_eq!(nested.material(&(), &input).unwrap(), r#"["tea"]"#);
        let missing = Key::<()>::fields(["customer", "/nope"]);
        assert_eq!(missing.material(&(), &input), None);
        assert_eq!(
            Key::<u8>::from_fn(|n| (*n > 0).then(|| n.to_string())).material(&0, &json!(0)),
            None
        );
        assert_eq!(
            Key::<u8>::from_fn(|_| Some(String::new())).material(&1, &json!(1)),
            None
        );
    }

    #[test]
    fn the_sha256_is_lower_case_hex() {
        assert_eq!(
            sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_json_ignores_field_order(value in arbitrary_json()) {
            let text = canonical(&value);
            let reparsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&reparsed, &value);
            if let Value::Object(map) = &value {
                let reversed: serde_json::Map<String, Value> =
                    map.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
                prop_assert_eq!(canonical(&Value::Object(reversed)), text);
            }
        }

        #[test]
        fn distinct_field_values_give_distinct_keys(a in any::<i64>(), b in any::<i64>()) {
            let key = Key::<()>::fields(["id"]);
            let ka = key.material(&(), &json!({"id": a, "other": b}));
            let kb = key.material(&(), &json!({"id": b, "other": a}));
            prop_assert_eq!(ka == kb, a == b);
        }

        #[test]
        fn any_json_input_gives_a_key_or_none_never_a_panic(value in arbitrary_json(), field in "[a-c./0-9]{0,6}") {
            let _ = Key::<()>::fields([field]).material(&(), &value);
            prop_assert!(Key::<()>::whole().material(&(), &value).is_some());
        }
    }
}
