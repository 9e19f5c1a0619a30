//! Fuzzing the decoders of outside data (events, headers, attributes, env files) with
//! proptest: real fixtures, mutated the way a broken or hostile sender would.
//!
//! Every fuzz target is a test named `fuzz_…` that runs [`cases`] cases: 256 in the normal
//! suite, and as many as `UPDRAFT_FUZZ_CASES` says under `cargo xtask fuzz --cases N`, which
//! runs only these tests, optimized.
//!
//! # Example
//!
//! ```
//! use proptest::prelude::*;
//! use updraft_testkit::fuzz;
//!
//! let event = r#"{"Records": [{"messageId": "m-1", "body": "{}"}]}"#;
//! proptest!(fuzz::config(), |(bytes in fuzz::mutated(&[event]))| {
//!     // Decoding must answer, never panic.
//!     let _ = serde_json::from_slice::<serde_json::Value>(&bytes);
//! });
//! ```

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

/// The variable that sets how many cases each fuzz target runs.
pub const CASES_VAR: &str = "UPDRAFT_FUZZ_CASES";

/// The cases each fuzz target runs in the normal suite.
pub const DEFAULT_CASES: u32 = 256;

/// The cases each fuzz target runs: `UPDRAFT_FUZZ_CASES`, else [`DEFAULT_CASES`].
#[must_use]
pub fn cases() -> u32 {
    std::env::var(CASES_VAR)
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The proptest configuration of a fuzz target: [`cases`] cases, no files written.
#[must_use]
pub fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A JSON value a broken or hostile sender might put anywhere: wrong types, empty and long
/// strings, control characters, escapes, extreme numbers, nesting; now and then one huge string.
pub fn nasty_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        30 => nested_value(),
        1 => huge_string(),
    ]
}

/// A string of 40 000 or 80 000 two-byte characters.
fn huge_string() -> impl Strategy<Value = Value> {
    (1usize..3).prop_map(|n| Value::from("é".repeat(n * 40_000)))
}

/// Leaves of [`nasty_value`] (none of them huge), nested up to three levels deep with at most
/// three items a level: a few kilobytes at most.
fn nested_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => Just(Value::Null),
        4 => any::<bool>().prop_map(Value::from),
        4 => any::<i64>().prop_map(Value::from),
        2 => Just(json!(u64::MAX)),
        2 => Just(json!(1e308)),
        2 => Just(json!(-0.0)),
        4 => any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        8 => "\\PC{0,24}".prop_map(Value::from),
        6 => "[%/?#&=+ \\\\\"\\x00-\\x1f]{0,12}".prop_map(Value::from),
        4 => "[A-Za-z0-9+/=]{0,16}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to an event.
#[derive(Debug, Clone)]
enum Edit {
    /// The value at a path becomes another.
    Replace(Value),
    /// The value at a path is removed from its object or array.
    Remove,
}

/// A change to the event's text, after the edits.
#[derive(Debug, Clone)]
enum Damage {
    None,
    /// Cut short after this many bytes (modulo the length).
    Truncate(usize),
    /// The byte at this position (modulo the length) becomes this one.
    Flip(usize, u8),
}

/// The bytes of one of `fixtures` (JSON events), changed at one to six random places: a value
/// replaced by a [`nasty_value`] or removed; now and then the text is also cut short or a byte
/// flipped. Fixtures that are not JSON are used as they are. At most one value put in is
/// huge, so a case stays within a few hundred kilobytes of its fixture.
pub fn mutated(fixtures: &[&str]) -> impl Strategy<Value = Vec<u8>> + use<> {
    let events: Vec<(Value, Vec<String>)> = fixtures
        .iter()
        .map(|text| {
            let value = serde_json::from_str(text).unwrap_or(Value::Null);
            let mut paths = Vec::new();
            pointers(&value, String::new(), &mut paths);
            (value, paths)
        })
        .collect();
    let count = events.len().max(1);
    let edit = prop_oneof![
        4 => nested_value().prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
    ];
    let huge = proptest::option::weighted(0.05, (any::<usize>(), huge_string()));
    let damage = prop_oneof![
        8 => Just(Damage::None),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Flip(at, byte)),
    ];
    (
        0..count,
        proptest::collection::vec((any::<usize>(), edit), 1..6),
        huge,
        damage,
    )
        .prop_map(move |(which, mut edits, huge, damage)| {
            let Some((event, paths)) = events.get(which) else {
                return Vec::new();
            };
            let mut event = event.clone();
            edits.extend(huge.map(|(at, value)| (at, Edit::Replace(value))));
            for (at, edit) in edits {
                if paths.is_empty() {
                    break;
                }
                apply(&mut event, &paths[at % paths.len()], edit);
            }
            let mut bytes = serde_json::to_vec(&event).unwrap_or_default();
            match damage {
                Damage::Truncate(at) if !bytes.is_empty() => bytes.truncate(at % bytes.len()),
                Damage::Flip(at, byte) if !bytes.is_empty() => {
                    let at = at % bytes.len();
                    bytes[at] = byte;
                }
                Damage::None | Damage::Truncate(_) | Damage::Flip(..) => {}
            }
            bytes
        })
}

/// Every JSON pointer in `value`, the root included.
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), into);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), into);
            }
        }
        _ => {}
    }
    into.push(at);
}

fn apply(event: &mut Value, pointer: &str, edit: Edit) {
    match edit {
        Edit::Replace(value) => {
            if let Some(slot) = event.pointer_mut(pointer) {
                *slot = value;
            }
        }
        Edit::Remove => {
            let Some((parent, key)) = pointer.rsplit_once('/') else {
                return;
            };
            let key = key.replace("~1", "/").replace("~0", "~");
            match event.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key);
                }
                Some(Value::Array(items)) => {
                    if let Ok(index) = key.parse::<usize>()
                        && index < items.len()
                    {
                        items.remove(index);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_has_a_pointer_and_edits_apply() {
        let event = json!({"a": {"b/c": [1, 2]}, "d": "x"});
        let mut paths = Vec::new();
        pointers(&event, String::new(), &mut paths);
        assert_eq!(
            paths.len(),
            6,
            "root, a, a/b~1c, its two items, d: {paths:?}"
        );
        let mut edited = event.clone();
        apply(&mut edited, "/a/b~1c/0", Edit::Remove);
        apply(&mut edited, "/d", Edit::Replace(json!(null)));
        assert_eq!(edited, json!({"a": {"b/c": [2]}, "d": null}));
    }

    proptest! {
        #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]
        #[test]
        fn mutations_never_panic_and_stay_bounded(bytes in mutated(&[r#"{"a": [1, {"b": "c"}], "d": true}"#])) {
            prop_assert!(bytes.len() < 300_000);
        }
    }
}
