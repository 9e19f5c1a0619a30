//! The open form: fleece's `stages` and `config`, read from YAML or JSON into a checked tree.

use serde_yaml_ng::Value;
use zeroize::Zeroizing;

use crate::Error;
use crate::closed::Meta;
use crate::stage::Stages;

/// The marker of a value to encrypt.
pub const ENCRYPT: &str = ":encrypt:";

/// A scalar as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null` or `~`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

/// The marker of a value fleece encrypted (base64 of a KMS ciphertext blob).
pub const FLEECE: &str = ":decrypt:";

/// The start of a value Updraft sealed.
pub const SEALED: &str = "ENC[UPDRAFT1,";

/// One value of a per-stage map.
#[derive(Clone, PartialEq)]
pub enum Leaf {
    /// Stored as written.
    Plain(Scalar),
    /// Marked `:encrypt:`: the text after the marker, zeroed on drop.
    Secret(Zeroizing<String>),
    /// Sealed by Updraft (a closed file): the `ENC[UPDRAFT1,…]` token.
    Sealed(String),
    /// Encrypted by fleece: the base64 after `:decrypt:`.
    Fleece(String),
}

impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Leaf::Plain(scalar) => f.debug_tuple("Plain").field(scalar).finish(),
            Leaf::Secret(_) => f.write_str("Secret(<redacted>)"),
            Leaf::Sealed(token) => f.debug_tuple("Sealed").field(token).finish(),
            Leaf::Fleece(blob) => f.debug_tuple("Fleece").field(blob).finish(),
        }
    }
}

/// The `config` tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A map, in file order.
    Map(Vec<(String, Node)>),
    /// A list.
    List(Vec<Node>),
    /// One value for every stage.
    Value(Scalar),
    /// Values by stage key (`prod`, `/dev-.*/`), in file order.
    PerStage(Vec<(String, Leaf)>),
}

/// A checked configuration file: open (secrets marked `:encrypt:`, or fleece's `:decrypt:`
/// values), or closed (sealed values and [`Meta`]).
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// The stage definitions.
    pub stages: Stages,
    /// The values.
    pub config: Node,
    /// The data keys and MACs of a closed file.
    pub meta: Option<Meta>,
}

impl ConfigFile {
    /// Reads YAML (or JSON, which is YAML).
    ///
    /// # Errors
    ///
    /// [`Error::Format`] naming the path: unparsable text, a missing section, a map that mixes
    /// per-stage and other keys, `:encrypt:` outside a per-stage map, a stage key no
    /// definition covers.
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let root: Value = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::format("(file)", &format!("not YAML or JSON: {e}")))?;
        let Value::Mapping(root) = root else {
            return Err(Error::format(
                "(file)",
                "the top level must be a map with `stages` and `config`",
            ));
        };
        if let Some(unknown) = root
            .keys()
            .find(|key| !matches!(key.as_str(), Some("stages" | "config" | "updraft")))
        {
            let name = key_text(unknown, "(file)").unwrap_or_default();
            return Err(Error::format(
                &name,
                "unknown section: a file holds `stages`, `config` and, when closed, `updraft`",
            ));
        }
        let stages = match root.get("stages") {
            Some(Value::Mapping(entries)) => {
                let mut parsed = Vec::new();
                for (name, definition) in entries {
                    let name = key_text(name, "stages")?;
                    let field = |field: &str| match definition.get(field) {
                        Some(Value::String(text)) => Ok(text.clone()),
                        None if field == "environment" => Ok(String::new()),
                        None => Err(Error::format(
                            &format!("stages.{name}.{field}"),
                            "missing: every stage needs its KMS key",
                        )),
                        _ => Err(Error::format(
                            &format!("stages.{name}.{field}"),
                            "must be a string",
                        )),
                    };
                    let (environment, key) = (field("environment")?, field("key")?);
                    parsed.push((name, environment, key));
                }
                Stages::from_entries(
                    parsed
                        .iter()
                        .map(|(n, e, k)| (n.as_str(), e.as_str(), k.as_str())),
                )?
            }
            _ => {
                return Err(Error::format(
                    "stages",
                    "a map of stage definitions is required",
                ));
            }
        };
        let config = match root.get("config") {
            Some(value) => node(value, "config", &stages)?,
            None => return Err(Error::format("config", "the `config` section is required")),
        };
        let meta = match root.get("updraft") {
            None => None,
            Some(value) => Some(meta(value)?),
        };
        Ok(Self {
            stages,
            config,
            meta,
        })
    }
}

/// `updraft: {version: 1, file, stages: {<literal>: {data_key, mac}}}`.
fn meta(value: &Value) -> Result<Meta, Error> {
    let text = |value: Option<&Value>, at: &str| match value {
        Some(Value::String(text)) => Ok(text.clone()),
        _ => Err(Error::format(at, "must be a string")),
    };
    match value.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => {
            return Err(Error::format(
                "updraft.version",
                "this file needs a newer updraft (version 1 is known)",
            ));
        }
    }
    let file = text(value.get("file"), "updraft.file")?;
    let Some(Value::Mapping(entries)) = value.get("stages") else {
        return Err(Error::format(
            "updraft.stages",
            "a map of data keys and MACs is required",
        ));
    };
    let mut stages = Vec::with_capacity(entries.len());
    for (literal, entry) in entries {
        let literal = key_text(literal, "updraft.stages")?;
        let at = format!("updraft.stages.{literal}");
        let data_key = text(entry.get("data_key"), &format!("{at}.data_key"))?;
        let mac = text(entry.get("mac"), &format!("{at}.mac"))?;
        stages.push((literal, data_key, mac));
    }
    Ok(Meta { file, stages })
}

fn key_text(key: &Value, at: &str) -> Result<String, Error> {
    match key {
        Value::String(text) => Ok(text.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Error::format(at, "keys must be strings")),
    }
}

fn scalar(value: &Value, at: &str) -> Result<Scalar, Error> {
    Ok(match value {
        Value::Null => Scalar::Null,
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Scalar::Int(i),
            (None, Some(f)) => Scalar::Float(f),
            _ => return Err(Error::format(at, "a number out of range")),
        },
        Value::String(s) => Scalar::Str(s.clone()),
        _ => return Err(Error::format(at, "expected a single value")),
    })
}

fn node(value: &Value, at: &str, stages: &Stages) -> Result<Node, Error> {
    match value {
        Value::Mapping(map) => {
            let keys: Vec<String> = map
                .keys()
                .map(|k| key_text(k, at))
                .collect::<Result<_, _>>()?;
            let staged = keys.iter().filter(|k| k.starts_with('+')).count();
            if staged > 0 && staged < keys.len() {
                return Err(Error::format(
                    at,
                    "a map mixes per-stage keys (`+stage`) with other keys",
                ));
            }
            if staged > 0 {
                let mut values = Vec::with_capacity(staged);
                for (key, value) in keys.iter().zip(map.values()) {
                    let stage = &key[1..];
                    let here = format!("{at}.{key}");
                    if stages.owner(stage).is_none() {
                        return Err(Error::format(
                            &here,
                            "no stage definition covers this stage",
                        ));
                    }
                    let leaf = match scalar(value, &here)? {
                        Scalar::Str(text) if text.starts_with(ENCRYPT) => {
                            Leaf::Secret(Zeroizing::new(text[ENCRYPT.len()..].to_owned()))
                        }
                        Scalar::Str(text) if text.starts_with(FLEECE) => {
                            Leaf::Fleece(text[FLEECE.len()..].to_owned())
                        }
                        Scalar::Str(text) if text.starts_with(SEALED) => Leaf::Sealed(text),
                        plain => Leaf::Plain(plain),
                    };
                    values.push((stage.to_owned(), leaf));
                }
                return Ok(Node::PerStage(values));
            }
            let mut entries = Vec::with_capacity(keys.len());
            for (key, value) in keys.into_iter().zip(map.values()) {
                let here = format!("{at}.{key}");
                entries.push((key, node(value, &here, stages)?));
            }
            Ok(Node::Map(entries))
        }
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| node(item, &format!("{at}[{i}]"), stages))
            .collect::<Result<_, _>>()
            .map(Node::List),
        Value::String(text)
            if text.starts_with(ENCRYPT)
                || text.starts_with(FLEECE)
                || text.starts_with(SEALED) =>
        {
            Err(Error::format(
                at,
                "a value to encrypt must be per stage (`+stage:` keys)",
            ))
        }
        other => scalar(other, at).map(Node::Value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEECE: &str = r"
stages:
  prod: {environment: prod, key: prod-key}
  /.*/: {environment: dev, key: dev-key}
config:
  foo: bar
  password:
    +dev: :encrypt:my-dev-password
    +prod: :encrypt:my-prod-password
    +/.*/: :encrypt:my-custom-password
  nested:
    inner_var: value
    a_list:
      - username1:
          +prod: bob-prod
          +/.*/: bob-dev
";

    #[test]
    fn fleeces_example_reads_into_a_checked_tree() {
        let open = ConfigFile::from_text(FLEECE).unwrap();
        let Node::Map(entries) = &open.config else {
            panic!("not a map")
        };
        assert_eq!(
            entries[0],
            ("foo".into(), Node::Value(Scalar::Str("bar".into())))
        );
        let Node::PerStage(password) = &entries[1].1 else {
            panic!("not per stage")
        };
        assert_eq!(password[0].0, "dev");
        assert!(matches!(&password[0].1, Leaf::Secret(s) if s.as_str() == "my-dev-password"));
        assert!(
            !format!("{open:?}").contains("my-dev-password"),
            "secrets are redacted"
        );
    }

    #[test]
    fn malformed_files_name_the_path() {
        for (text, expected) in [
            (
                "stages: {}\nconfig: {a: ':encrypt:x'}",
                "config.a: a value to encrypt must be per stage",
            ),
            (
                "stages: {prod: {key: k}}\nconfig: {a: {+prod: 1, b: 2}}",
                "config.a: a map mixes",
            ),
            (
                "stages: {prod: {key: k}}\nconfig: {a: {+qa: 1}}",
                "config.a.+qa: no stage definition",
            ),
            (
                "stages: {/(/: {key: k}}\nconfig: {}",
                "stages./(/: the regular expression",
            ),
            ("config: {}", "stages: a map of stage definitions"),
            ("stages: {prod: {key: k}}", "config: the `config` section"),
            ("[1, 2]", "(file): the top level"),
            ("a: [", "(file): not YAML or JSON"),
            (
                "stages: {}\nconfig: {}\nconfg: {}",
                "confg: unknown section",
            ),
        ] {
            let error = ConfigFile::from_text(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
