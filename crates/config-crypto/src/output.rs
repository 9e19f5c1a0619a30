//! A rendered stage as text: YAML, JSON, or a dotenv file. These reveal the secrets: they are
//! what `updraft config render` prints, on request.

use std::collections::BTreeMap;

use crate::Error;
use crate::value::Value;

/// The value as plain JSON, secrets revealed.
#[must_use]
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Secret(secret) => serde_json::Value::String(secret.expose().to_owned()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// The value as YAML, secrets revealed.
///
/// # Errors
///
/// [`Error::Format`] if the serializer fails.
pub fn to_yaml(value: &Value) -> Result<String, Error> {
    serde_yaml_ng::to_string(&to_json(value))
        .map_err(|e| Error::format("(rendered config)", &e.to_string()))
}

/// The value as a dotenv file: nested keys joined with `_` and upper-cased, lists and maps
/// inside lists as JSON, text quoted. Two paths that give one name are an error naming both.
///
/// # Errors
///
/// [`Error::Format`] for a collision or a name that is not `[A-Z0-9_]`.
pub fn to_dotenv(value: &Value) -> Result<String, Error> {
    let mut lines: BTreeMap<String, (String, String)> = BTreeMap::new();
    flatten(value, &mut Vec::new(), &mut lines)?;
    Ok(lines
        .into_values()
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

fn flatten(
    value: &Value,
    path: &mut Vec<String>,
    lines: &mut BTreeMap<String, (String, String)>,
) -> Result<(), Error> {
    if let Value::Map(entries) = value {
        for (key, child) in entries {
            path.push(key.clone());
            flatten(child, path, lines)?;
            path.pop();
        }
        return Ok(());
    }
    let dotted = path.join(".");
    let name = path
        .join("_")
        .to_ascii_uppercase()
        .replace(['-', '.', ' '], "_");
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(Error::format(
            &dotted,
            &format!("`{name}` cannot be a variable name"),
        ));
    }
    let text = match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.clone(),
        Value::Secret(secret) => secret.expose().to_owned(),
        Value::List(_) | Value::Map(_) => to_json(value).to_string(),
    };
    let quoted = serde_json::to_string(&text).unwrap_or_default();
    if let Some((other, _)) = lines.get(&name) {
        return Err(Error::format(
            &dotted,
            &format!("`{name}` is also the name of `{other}`"),
        ));
    }
    lines.insert(name.clone(), (dotted, format!("{name}={quoted}")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Secret;
    use zeroize::Zeroizing;

    #[test]
    fn dotenv_joins_upper_cases_and_reports_collisions() {
        let value = Value::Map(vec![
            (
                "db".into(),
                Value::Map(vec![
                    ("host".into(), Value::Str("h".into())),
                    (
                        "password".into(),
                        Value::Secret(Secret::new(Zeroizing::new("p \"q\"".into()))),
                    ),
                ]),
            ),
            ("hosts".into(), Value::List(vec![Value::Str("a".into())])),
            ("port".into(), Value::Int(5)),
        ]);
        assert_eq!(
            to_dotenv(&value).unwrap(),
            "DB_HOST=\"h\"\nDB_PASSWORD=\"p \\\"q\\\"\"\nHOSTS=\"[\\\"a\\\"]\"\nPORT=\"5\"\n"
        );
        let clash = Value::Map(vec![
            ("db_host".into(), Value::Int(1)),
            (
                "db".into(),
                Value::Map(vec![("host".into(), Value::Int(2))]),
            ),
        ]);
        let error = to_dotenv(&clash).unwrap_err().to_string();
        assert!(
            error.contains("`DB_HOST` is also the name of `db_host`"),
            "{error}"
        );
    }
}
