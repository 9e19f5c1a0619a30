//! Bringing every spec to one shape: the version a document declares, and OpenAPI 3.0 schemas
//! rewritten as JSON Schema 2020-12 (what 3.1 uses), so one validator serves every version
//! (Swagger 2.0 documents first become OpenAPI 3.0: [`super::swagger`]).

use serde_json::{Map, Value, json};

use super::SpecError;

/// Which OpenAPI a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Swagger2,
    V30,
    V31,
}

/// The version the root document declares; anything else is refused.
pub(crate) fn version(root: &Value, document: &str) -> Result<Version, SpecError> {
    let unsupported = |reason: String| SpecError::Unsupported {
        document: document.to_owned(),
        reason,
    };
    if let Some(swagger) = root.get("swagger") {
        return match swagger.as_str() {
            Some("2.0") => Ok(Version::Swagger2),
            _ => Err(unsupported(format!("`swagger: {swagger}` is not 2.0"))),
        };
    }
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") || v == "3.0" => Ok(Version::V30),
        Some(v) if v.starts_with("3.1.") || v == "3.1" => Ok(Version::V31),
        Some(v) => Err(unsupported(format!("OpenAPI {v} is not 3.0 or 3.1"))),
        None => Err(unsupported(
            "it has neither `openapi: 3.x` nor `swagger: \"2.0\"`".into(),
        )),
    }
}

/// Rewrites OpenAPI 3.0 schema keywords as JSON Schema 2020-12 says them, everywhere in the
/// document: `nullable: true` adds `null` to the type (or the enum), and boolean
/// `exclusiveMinimum`/`exclusiveMaximum` become numbers.
pub(crate) fn schemas_to_2020(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                schemas_to_2020(child);
            }
            nullable(map);
            exclusive(map, "exclusiveMinimum", "minimum");
            exclusive(map, "exclusiveMaximum", "maximum");
        }
        Value::Array(items) => items.iter_mut().for_each(schemas_to_2020),
        _ => {}
    }
}

fn nullable(map: &mut Map<String, Value>) {
    let Some(Value::Bool(flag)) = map.get("nullable") else {
        return;
    };
    let flag = *flag;
    map.remove("nullable");
    if !flag {
        return;
    }
    if let Some(Value::Array(options)) = map.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
    let has_enum = map.contains_key("enum");
    match map.get_mut("type") {
        Some(Value::String(kind)) => {
            let kind = std::mem::take(kind);
            map.insert("type".into(), json!([kind, "null"]));
        }
        Some(_) => {}
        // An enum without a type now lists null: nothing more to say.
        None if has_enum => {}
        None => {
            // `nullable` beside a `$ref` or a composition: null, or what the rest says.
            let rest = std::mem::take(map);
            map.insert("anyOf".into(), json!([{ "type": "null" }, rest]));
        }
    }
}

fn exclusive(map: &mut Map<String, Value>, flag: &str, bound: &str) {
    if let Some(Value::Bool(on)) = map.get(flag) {
        let on = *on;
        map.remove(flag);
        if on && let Some(limit) = map.remove(bound) {
            map.insert(flag.to_owned(), limit);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn nullable_and_boolean_bounds_become_2020() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "tag": { "type": "string", "nullable": true },
                "kind": { "enum": ["a", "b"], "nullable": true },
                "pet": { "$ref": "#/components/schemas/Pet", "nullable": true },
                "age": { "type": "integer", "minimum": 0, "exclusiveMinimum": true },
                "nullable": { "type": "string" }
            }
        });
        schemas_to_2020(&mut schema);
        let p = &schema["properties"];
        assert_eq!(p["tag"]["type"], json!(["string", "null"]));
        assert_eq!(p["kind"]["enum"], json!(["a", "b", null]));
        assert_eq!(p["pet"]["anyOf"][0], json!({ "type": "null" }));
        assert_eq!(
            p["age"],
            json!({ "type": "integer", "exclusiveMinimum": 0 })
        );
        assert_eq!(
            p["nullable"],
            json!({ "type": "string" }),
            "a property named nullable stays"
        );
    }

    #[test]
    fn versions_are_read_or_refused() {
        assert_eq!(
            version(&json!({ "openapi": "3.0.3" }), "a").unwrap(),
            Version::V30
        );
        assert_eq!(
            version(&json!({ "openapi": "3.1.0" }), "a").unwrap(),
            Version::V31
        );
        assert_eq!(
            version(&json!({ "swagger": "2.0" }), "a").unwrap(),
            Version::Swagger2
        );
        for doc in [
            json!({ "openapi": "4.0.0" }),
            json!({ "swagger": "1.2" }),
            json!({}),
            json!({ "openapi": 3 }),
        ] {
            assert!(version(&doc, "a").is_err(), "{doc}");
        }
    }
}
