//! Rendering one stage of a closed file: the values it picks, with the data keys of their
//! stage definitions decrypted once each and their MACs checked before any value is used.

use std::collections::{BTreeSet, HashMap};

use crate::Error;
use crate::closed::{decrypt_fleece, fleece_at, open_key, open_value, owner, queue_fleece};
use crate::crypto::DataKey;
use crate::kms::Kms;
use crate::open::{ConfigFile, Leaf, Node, Scalar};
use crate::stage::{Pattern, Stages};
use crate::tree::{Visit, path_text, visit};
use crate::value::{Secret, Value};
use zeroize::Zeroizing;

/// The per-stage key a map picks for `stage`: `+stage` itself, else the first `+/regex/` in
/// the map's order whose definition matches the whole name.
fn pick<'a>(
    values: &'a [(String, Leaf)],
    stages: &Stages,
    stage: &str,
) -> Option<&'a (String, Leaf)> {
    values.iter().find(|(key, _)| key == stage).or_else(|| {
        values.iter().find(|(key, _)| {
            stages.owner(key).is_some_and(|(_, definition)| {
                matches!(&definition.pattern, Pattern::Regex { literal, regex } if literal == key && regex.is_match(stage))
            })
        })
    })
}

/// Renders `stage` of a closed file: the data key of every stage definition it picks a value
/// from is decrypted once and its MAC checked, before any value is used. A file fleece closed
/// (no `updraft` metadata) renders too: the `:decrypt:` values the stage picks are decrypted,
/// one KMS call each, and there is no MAC to check.
///
/// # Errors
///
/// [`Error::UnknownStage`]; [`Error::Kms`]; [`Error::Account`]; [`Error::Format`] for a MAC
/// that does not match or a value that does not open (naming its path), or a value the file's
/// form cannot hold (a `:encrypt:` secret, a fleece value in an updraft file).
pub async fn render(file: &ConfigFile, stage: &str, kms: &Kms) -> Result<Value, Error> {
    let (own, _) = file
        .stages
        .resolve(stage)
        .ok_or_else(|| Error::UnknownStage(stage.to_owned()))?;
    let meta = file.meta.as_ref();
    // The stage's own definition always: its MAC covers the values common to every stage.
    let mut owners = BTreeSet::from([own]);
    let mut fleece = Vec::new();
    visit(&file.config, &mut |path, visited| {
        let Visit::PerStage(values) = visited else {
            return Ok(());
        };
        let Some((key, leaf)) = pick(values, &file.stages, stage) else {
            return Ok(());
        };
        let mut path = path.to_vec();
        path.push(format!("+{key}"));
        let (index, definition) = owner(&file.stages, key, &path)?;
        let refused = match (leaf, meta) {
            (Leaf::Secret(_), None) => {
                Some("a `:encrypt:` value: the file is open, import it first")
            }
            (Leaf::Secret(_) | Leaf::Fleece(_), Some(_)) => {
                Some("an unsealed value in a closed file: import the file again")
            }
            (Leaf::Sealed(_), None) => Some("a sealed value in a file without `updraft` metadata"),
            _ => None,
        };
        if let Some(reason) = refused {
            return Err(Error::format(&path_text(&path), reason));
        }
        owners.insert(index);
        queue_fleece(&mut fleece, &path, definition, leaf);
        Ok(())
    })?;
    let mut keys = HashMap::with_capacity(owners.len());
    if let Some(meta) = meta {
        for index in owners {
            keys.insert(
                index,
                open_key(&file.stages, &file.config, meta, index, kms).await?,
            );
        }
    }
    let fleece = decrypt_fleece(fleece, kms).await?;
    let opened = Opened { keys, fleece };
    let rendered = walk(&file.config, &file.stages, stage, &opened, &mut Vec::new())?;
    Ok(rendered.unwrap_or(Value::Null))
}

/// What the walk opens values with: the stages' data keys, and the fleece values decrypted.
struct Opened {
    keys: HashMap<usize, DataKey>,
    fleece: HashMap<String, Zeroizing<String>>,
}

fn scalar(value: &Scalar) -> Value {
    match value {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::Int(*i),
        Scalar::Float(f) => Value::Float(*f),
        Scalar::Str(s) => Value::Str(s.clone()),
    }
}

/// The stage's view of `node`: `None` for a per-stage value with nothing for this stage (its
/// key is left out of the map).
fn walk(
    node: &Node,
    stages: &Stages,
    stage: &str,
    opened: &Opened,
    path: &mut Vec<String>,
) -> Result<Option<Value>, Error> {
    Ok(Some(match node {
        Node::Value(value) => scalar(value),
        Node::Map(entries) => {
            let mut rendered = Vec::with_capacity(entries.len());
            for (key, child) in entries {
                path.push(key.clone());
                let value = walk(child, stages, stage, opened, path)?;
                path.pop();
                if let Some(value) = value {
                    rendered.push((key.clone(), value));
                }
            }
            Value::Map(rendered)
        }
        Node::List(items) => {
            let mut rendered = Vec::with_capacity(items.len());
            for (index, child) in items.iter().enumerate() {
                path.push(format!("[{index}]"));
                let value = walk(child, stages, stage, opened, path)?;
                path.pop();
                rendered.push(value.unwrap_or(Value::Null));
            }
            Value::List(rendered)
        }
        Node::PerStage(values) => {
            let Some((key, leaf)) = pick(values, stages, stage) else {
                return Ok(None);
            };
            path.push(format!("+{key}"));
            let (index, definition) = owner(stages, key, path)?;
            let value = match leaf {
                Leaf::Plain(value) => scalar(value),
                Leaf::Sealed(token) => {
                    let data_key = opened.keys.get(&index).ok_or_else(|| {
                        Error::format(&path_text(path), "the stage's data key is not open")
                    })?;
                    Value::Secret(Secret::new(open_value(data_key, token, path, definition)?))
                }
                Leaf::Fleece(_) => {
                    Value::Secret(Secret::new(fleece_at(&opened.fleece, path)?.clone()))
                }
                Leaf::Secret(_) => {
                    return Err(Error::format(
                        &path_text(path),
                        "a `:encrypt:` value: the file is open, import it first",
                    ));
                }
            };
            path.pop();
            value
        }
    }))
}
