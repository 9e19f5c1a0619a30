//! Reading a spec: the root document and every file its `$ref`s name, parsed from YAML or
//! JSON, each kept under its own URI so that references resolve as RFC 3986 says.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{percent_decode_str, utf8_percent_encode};
use serde_json::Value;

use super::SpecError;
use crate::http::event::DECODED_PATH;

/// The URI of a spec given as text: it has no file, so it can name no other file.
pub(crate) const IN_MEMORY_URI: &str = "urn:updraft:openapi";

/// At most this many documents (the root and the files it references, transitively).
const MAX_DOCUMENTS: usize = 256;

/// A document larger than this is refused before it is parsed.
const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// The documents of a spec, by URI.
#[derive(Debug, Clone)]
pub(crate) struct Documents {
    /// The root document's URI.
    pub(crate) root: String,
    /// Every document, the root included.
    pub(crate) docs: BTreeMap<String, Value>,
}

impl Documents {
    /// The root document.
    pub(crate) fn root(&self) -> &Value {
        &self.docs[&self.root]
    }

    /// Every document, mutably, for conversion.
    pub(crate) fn each_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.docs.values_mut()
    }
}

/// Parses one document: JSON when it starts with `{`, YAML otherwise. Its top level must be a
/// mapping.
pub(crate) fn parse(text: &str, document: &str) -> Result<Value, SpecError> {
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text).map_err(|e| e.to_string())
    } else {
        serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string())
    };
    match parsed {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(SpecError::Parse {
            document: document.to_owned(),
            reason: "the top level is not a mapping".into(),
        }),
        Err(reason) => Err(SpecError::Parse {
            document: document.to_owned(),
            reason,
        }),
    }
}

/// A spec given as text. It may reference only itself.
pub(crate) fn from_text(text: &str) -> Result<Documents, SpecError> {
    let root = parse(text, "the OpenAPI document")?;
    if let Some(reference) = external_refs(&root).into_iter().next() {
        return Err(SpecError::Unsupported {
            document: "the OpenAPI document".into(),
            reason: format!(
                "`{reference}` names another file; load the spec with `OpenApi::from_file` so that relative references have a directory"
            ),
        });
    }
    Ok(Documents {
        root: IN_MEMORY_URI.to_owned(),
        docs: BTreeMap::from([(IN_MEMORY_URI.to_owned(), root)]),
    })
}

/// A spec read from `path`, with every file its references name, transitively.
pub(crate) fn from_file(path: &Path) -> Result<Documents, SpecError> {
    let absolute = std::path::absolute(path).map_err(|source| SpecError::Read {
        path: path.to_owned(),
        source,
    })?;
    let root_path = normalize(&absolute);
    let root = file_uri(&root_path);
    let mut docs = BTreeMap::new();
    let mut pending = vec![root_path];
    while let Some(path) = pending.pop() {
        let uri = file_uri(&path);
        if docs.contains_key(&uri) {
            continue;
        }
        if docs.len() == MAX_DOCUMENTS {
            return Err(SpecError::Unsupported {
                document: root.clone(),
                reason: format!("it references more than {MAX_DOCUMENTS} files"),
            });
        }
        let value = read(&path)?;
        let directory = path.parent().unwrap_or(Path::new("/")).to_owned();
        for reference in external_refs(&value) {
            pending.push(referenced_file(&directory, &reference, &uri)?);
        }
        docs.insert(uri, value);
    }
    Ok(Documents { root, docs })
}

fn read(path: &Path) -> Result<Value, SpecError> {
    let failed = |source| SpecError::Read {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(failed)?.len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(SpecError::Unsupported {
            document: path.display().to_string(),
            reason: format!("it is {size} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(failed)?;
    parse(&text, &path.display().to_string())
}

/// The file a reference names, relative to the referencing document's directory. Remote
/// references are refused: nothing is fetched at startup.
fn referenced_file(
    directory: &Path,
    reference: &str,
    document: &str,
) -> Result<PathBuf, SpecError> {
    let file = reference.split('#').next().unwrap_or_default();
    if let Some(path) = file.strip_prefix("file://") {
        return Ok(normalize(Path::new(&decode(path))));
    }
    if file.contains("://") || file.starts_with("urn:") {
        return Err(SpecError::Unsupported {
            document: document.to_owned(),
            reason: format!("`{reference}` is a remote reference; only files are loaded"),
        });
    }
    Ok(normalize(&directory.join(decode(file))))
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The `$ref`s of a document that name another document (the part before `#`).
pub(crate) fn external_refs(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && !reference.starts_with('#')
                {
                    found.push(reference.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// `path` without `.` and `..` components (symbolic links are not followed, as URI resolution
/// does not follow them either).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The `file:` URI of an absolute path.
pub(crate) fn file_uri(path: &Path) -> String {
    format!(
        "file://{}",
        utf8_percent_encode(&path.to_string_lossy(), DECODED_PATH)
    )
}

/// Where `reference` points from the document `base`: the target document's URI and the JSON
/// pointer inside it.
pub(crate) fn join(base: &str, reference: &str) -> (String, String) {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let pointer = decode(fragment);
    if file.is_empty() {
        return (base.to_owned(), pointer);
    }
    let directory = base
        .strip_prefix("file://")
        .map(|path| {
            Path::new(&decode(path))
                .parent()
                .unwrap_or(Path::new("/"))
                .to_owned()
        })
        .unwrap_or_default();
    let target = if let Some(path) = file.strip_prefix("file://") {
        normalize(Path::new(&decode(path)))
    } else {
        normalize(&directory.join(decode(file)))
    };
    (file_uri(&target), pointer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn yaml_and_json_parse_to_the_same_value() {
        let yaml = parse("openapi: 3.1.0\npaths: {}\n", "a").unwrap();
        let json = parse(r#"{"openapi": "3.1.0", "paths": {}}"#, "b").unwrap();
        assert_eq!(yaml, json);
    }

    #[test]
    fn malformed_documents_say_which_and_why() {
        for text in ["{not json", "a: [unclosed", "- a list", "42", ""] {
            let err = parse(text, "api.yaml").unwrap_err();
            assert!(err.to_string().contains("api.yaml"), "{err}");
        }
    }

    #[test]
    fn references_join_relative_to_their_document() {
        let (uri, pointer) = join("file:///srv/api/spec.yaml", "../common/pet.yaml#/Pet");
        assert_eq!(uri, "file:///srv/common/pet.yaml");
        assert_eq!(pointer, "/Pet");
        let (uri, pointer) = join(
            "file:///srv/a%20b/spec.yaml",
            "#/components/schemas/P%C3%A9t",
        );
        assert_eq!(uri, "file:///srv/a%20b/spec.yaml");
        assert_eq!(pointer, "/components/schemas/Pét");
    }

    #[test]
    fn text_specs_refuse_file_references() {
        let err =
            from_text("openapi: 3.1.0\npaths:\n  /a:\n    $ref: other.yaml#/a\n").unwrap_err();
        assert!(err.to_string().contains("from_file"), "{err}");
    }

    #[test]
    fn remote_references_are_refused() {
        let err =
            referenced_file(Path::new("/srv"), "https://example.com/pet.json", "x").unwrap_err();
        assert!(err.to_string().contains("remote"), "{err}");
    }
}
