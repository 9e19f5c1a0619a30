//! Rendering one stage of a closed file: the values it picks, with the data keys of their
//! stage definitions decrypted once each and their MACs checked before any value is used.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;
use crate::closed::{Meta, mac_check};
use crate::crypto::DataKey;
use crate::kms::Kms;
use crate::open::{ConfigFile, Leaf, Node, Scalar};
use crate::stage::{Pattern, Stages};
use crate::value::{Secret, Value};

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

/// The data keys opened so far, by definition: each decrypted and MAC-checked once.
struct Keys<'a> {
    file: &'a ConfigFile,
    meta: &'a Meta,
    kms: &'a Kms,
    opened: HashMap<usize, DataKey>,
}

impl Keys<'_> {
    async fn get(&mut self, owner: usize) -> Result<&DataKey, Error> {
        if !self.opened.contains_key(&owner) {
            let literal = self.file.stages.definitions()[owner].pattern.literal();
            let (_, blob, mac) = self
                .meta
                .stages
                .iter()
                .find(|(l, _, _)| l == literal)
                .ok_or_else(|| {
                    Error::format(
                        &format!("updraft.stages.{literal}"),
                        "the stage has no data key",
                    )
                })?;
            let blob = STANDARD.decode(blob).map_err(|_| {
                Error::format(&format!("updraft.stages.{literal}.data_key"), "not base64")
            })?;
            let key = self.kms.data_key(&blob, &self.meta.file, literal).await?;
            mac_check(
                &self.file.stages,
                &self.file.config,
                owner,
                &key,
                &self.meta.file,
                literal,
                mac,
            )?;
            self.opened.insert(owner, key);
        }
        self.opened
            .get(&owner)
            .ok_or_else(|| Error::format("(data keys)", "a data key went missing"))
    }
}

/// Renders `stage` of a closed file.
///
/// # Errors
///
/// [`Error::UnknownStage`]; [`Error::Kms`]; [`Error::Format`] for a MAC that does not match
/// or a value that does not open (naming its path), or an open file.
pub async fn render(file: &ConfigFile, stage: &str, kms: &Kms) -> Result<Value, Error> {
    file.stages
        .resolve(stage)
        .ok_or_else(|| Error::UnknownStage(stage.to_owned()))?;
    let meta = file
        .meta
        .as_ref()
        .ok_or_else(|| Error::format("updraft", "the file is not closed: import it first"))?;
    let mut keys = Keys {
        file,
        meta,
        kms,
        opened: HashMap::new(),
    };
    let mut path = Vec::new();
    let rendered = walk(&file.config, &file.stages, stage, &mut keys, &mut path).await?;
    Ok(rendered.unwrap_or(Value::Null))
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

type Walk<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<Value>, Error>> + Send + 'a>>;

fn walk<'a>(
    node: &'a Node,
    stages: &'a Stages,
    stage: &'a str,
    keys: &'a mut Keys<'_>,
    path: &'a mut Vec<String>,
) -> Walk<'a>
where
{
    Box::pin(async move {
        Ok(Some(match node {
            Node::Value(value) => scalar(value),
            Node::Map(entries) => {
                let mut rendered = Vec::with_capacity(entries.len());
                for (key, child) in entries {
                    path.push(key.clone());
                    let value = walk(child, stages, stage, keys, path).await?;
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
                    let value = walk(child, stages, stage, keys, path).await?;
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
                let display = path.join(".");
                let (owner, definition) = stages.owner(key).ok_or_else(|| {
                    Error::format(&display, "no stage definition covers this stage")
                })?;
                let value = match leaf {
                    Leaf::Plain(value) => {
                        // A plain per-stage value is covered by its stage's MAC: check it.
                        keys.get(owner).await?;
                        scalar(value)
                    }
                    Leaf::Sealed(token) => {
                        let literal = definition.pattern.literal();
                        let path_key = serde_json::to_string(&*path).unwrap_or_default();
                        let text = keys
                            .get(owner)
                            .await?
                            .open(token, &path_key, literal)
                            .map_err(|_| {
                                Error::format(
                                    &display,
                                    "the encrypted value does not open: it was changed or moved",
                                )
                            })?;
                        Value::Secret(Secret::new(text))
                    }
                    Leaf::Secret(_) | Leaf::Fleece(_) => {
                        return Err(Error::format(
                            &display,
                            "an unsealed value in a closed file: import the file again",
                        ));
                    }
                };
                path.pop();
                value
            }
        }))
    })
}
