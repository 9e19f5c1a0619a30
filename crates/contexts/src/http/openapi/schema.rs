//! Where an operation's schemas are, as URIs the validator resolves, and the JSON type a
//! parameter's text is read as.

use std::fmt::Write as _;

use serde_json::Value;

use super::Problem;
use super::load::Documents;
use super::refs::follow;

/// A schema, by the URI the validator resolves (`<document>#<pointer>`), with the top-level
/// type that says how a parameter's text becomes JSON.
#[derive(Debug, Clone)]
pub(crate) struct SchemaAt {
    pub(crate) uri: String,
    pub(crate) kind: Kind,
    pub(crate) items: Kind,
}

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Kind {
    #[default]
    String,
    Integer,
    Number,
    Boolean,
    Array,
}

/// The schema at `pointer`, with the type its text is read as (following its own `$ref`s for
/// that, while the validator follows them again on its own).
pub(super) fn schema_at(
    docs: &Documents,
    doc: &str,
    pointer: &str,
    raw: &Value,
) -> Result<SchemaAt, Problem> {
    let (_, found) = follow(docs, doc, pointer, raw)?;
    let kind = kind_of(found.value);
    let items = match found.value.get("items") {
        Some(items) => follow(docs, doc, &format!("{pointer}/items"), items)
            .map(|(_, f)| kind_of(f.value))
            .unwrap_or_default(),
        None => Kind::String,
    };
    let mut uri = String::with_capacity(doc.len() + pointer.len() + 1);
    let _ = write!(uri, "{doc}#{}", fragment(pointer));
    Ok(SchemaAt { uri, kind, items })
}

/// A pointer as a URI fragment: what is not allowed there percent-encoded.
fn fragment(pointer: &str) -> String {
    /// A path's unsafe characters, and those a fragment may not hold besides.
    const FRAGMENT: &percent_encoding::AsciiSet = &crate::http::event::DECODED_PATH
        .add(b'[')
        .add(b']')
        .add(b'^')
        .add(b'|');
    percent_encoding::utf8_percent_encode(pointer, FRAGMENT).to_string()
}

fn kind_of(schema: &Value) -> Kind {
    let named = |name: &str| match name {
        "integer" => Some(Kind::Integer),
        "number" => Some(Kind::Number),
        "boolean" => Some(Kind::Boolean),
        "array" => Some(Kind::Array),
        "string" => Some(Kind::String),
        _ => None,
    };
    match schema.get("type") {
        Some(Value::String(name)) => named(name).unwrap_or_default(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .find_map(named)
            .unwrap_or_default(),
        _ => Kind::String,
    }
}
