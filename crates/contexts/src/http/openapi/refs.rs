//! Following `$ref`s that are not schemas (path items, parameters, request bodies,
//! responses): the validator follows the schemas' own.

use serde_json::Value;

use super::Problem;
use super::load::{Documents, join};

/// How many `$ref` hops a non-schema reference may take before it is called a loop.
const MAX_HOPS: usize = 32;

/// A value found by following references: its document, its pointer there, and itself.
pub(crate) struct Found<'a> {
    pub(crate) uri: String,
    pub(crate) value: &'a Value,
}

/// Follows `value`'s `$ref` chain (if any) from the document `doc`; returns the document and
/// pointer where it ends, and the value there.
pub(super) fn follow<'a>(
    docs: &'a Documents,
    doc: &str,
    at: &str,
    value: &'a Value,
) -> Result<((String, String), Found<'a>), Problem> {
    let mut doc = doc.to_owned();
    let mut pointer = at.trim_start_matches('#').to_owned();
    let mut value = value;
    for _ in 0..MAX_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            let uri = format!("{doc}#{pointer}");
            return Ok(((doc, pointer), Found { uri, value }));
        };
        let (target_doc, target_pointer) = join(&doc, reference);
        let target = docs
            .docs
            .get(&target_doc)
            .and_then(|d| d.pointer(&target_pointer))
            .ok_or_else(|| Problem::Invalid {
                at: format!("{doc}#{pointer}"),
                reason: format!("the reference `{reference}` does not resolve"),
            })?;
        doc = target_doc;
        pointer = target_pointer;
        value = target;
    }
    Err(Problem::Invalid {
        at: format!("{doc}#{pointer}"),
        reason: format!("more than {MAX_HOPS} references in a row (a loop?)"),
    })
}

pub(super) fn invalid(at: &str, reason: &str) -> Problem {
    Problem::Invalid {
        at: at.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A JSON pointer token for `key` (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
