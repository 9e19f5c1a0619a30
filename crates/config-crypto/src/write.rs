//! Writing a configuration file: the tree as YAML (or JSON), and an atomic replace of the file
//! on disk (a temp file beside it, then a rename), so a failed write never leaves a broken file.

use std::io::Write as _;
use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

use crate::Error;
use crate::open::{ConfigFile, ENCRYPT, FLEECE, Leaf, Node, Scalar};

fn scalar(value: &Scalar) -> Value {
    match value {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::from(*i),
        Scalar::Float(f) => Value::from(*f),
        Scalar::Str(s) => Value::String(s.clone()),
    }
}

fn node(node: &Node) -> Value {
    match node {
        Node::Map(entries) => Value::Mapping(
            entries
                .iter()
                .map(|(key, child)| (Value::String(key.clone()), self::node(child)))
                .collect::<Mapping>(),
        ),
        Node::List(items) => Value::Sequence(items.iter().map(self::node).collect()),
        Node::Value(value) => scalar(value),
        Node::PerStage(values) => Value::Mapping(
            values
                .iter()
                .map(|(stage, leaf)| {
                    let value = match leaf {
                        Leaf::Plain(value) => scalar(value),
                        Leaf::Secret(text) => Value::String(format!("{ENCRYPT}{}", text.as_str())),
                        Leaf::Sealed(token) => Value::String(token.clone()),
                        Leaf::Fleece(blob) => Value::String(format!("{FLEECE}{blob}")),
                    };
                    (Value::String(format!("+{stage}")), value)
                })
                .collect::<Mapping>(),
        ),
    }
}

impl ConfigFile {
    /// The file as a YAML tree: `stages`, `config`, and `updraft` when closed.
    fn tree(&self) -> Value {
        let mut root = Mapping::new();
        let stages: Mapping = self
            .stages
            .definitions()
            .iter()
            .map(|definition| {
                let mut entry = Mapping::new();
                entry.insert("environment".into(), definition.environment.clone().into());
                entry.insert("key".into(), definition.key.clone().into());
                (
                    Value::String(definition.pattern.literal().to_owned()),
                    Value::Mapping(entry),
                )
            })
            .collect();
        root.insert("stages".into(), Value::Mapping(stages));
        root.insert("config".into(), node(&self.config));
        if let Some(meta) = &self.meta {
            let mut updraft = Mapping::new();
            updraft.insert("version".into(), 1.into());
            updraft.insert("file".into(), meta.file.clone().into());
            let stages: Mapping = meta
                .stages
                .iter()
                .map(|(literal, data_key, mac)| {
                    let mut entry = Mapping::new();
                    entry.insert("data_key".into(), data_key.clone().into());
                    entry.insert("mac".into(), mac.clone().into());
                    (Value::String(literal.clone()), Value::Mapping(entry))
                })
                .collect();
            updraft.insert("stages".into(), Value::Mapping(stages));
            root.insert("updraft".into(), Value::Mapping(updraft));
        }
        Value::Mapping(root)
    }

    /// The file as YAML.
    ///
    /// # Errors
    ///
    /// [`Error::Format`] when the tree cannot be written (it always can; the serializer says
    /// otherwise only on a bug).
    pub fn to_yaml(&self) -> Result<String, Error> {
        serde_yaml_ng::to_string(&self.tree())
            .map_err(|e| Error::format("(file)", &format!("cannot write YAML: {e}")))
    }

    /// The file as JSON (fleece's `export --json`).
    ///
    /// # Errors
    ///
    /// As [`ConfigFile::to_yaml`].
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(&self.tree())
            .map_err(|e| Error::format("(file)", &format!("cannot write JSON: {e}")))
    }

    /// Replaces the file at `path` with this one as YAML, through [`write_atomically`]: a
    /// failure leaves the old file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        write_atomically(path, &self.to_yaml()?)
    }
}

/// Replaces `path` with `text`: a temp file beside it (mode 0600), synced, then renamed over
/// it. On any error the old file is untouched and the temp file removed.
///
/// # Errors
///
/// [`Error::Io`] naming the file.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let io = |source: std::io::Error| Error::Io {
        path: path.to_owned(),
        source,
    };
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = directory.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_file_writes_back_as_it_reads() {
        let text = "stages:\n  prod:\n    environment: prod\n    key: alias/k\nconfig:\n  foo: bar\n  n: 3\n  password:\n    +prod: :encrypt:s\n  list:\n  - a: 1\n";
        let file = ConfigFile::from_text(text).unwrap();
        let again = ConfigFile::from_text(&file.to_yaml().unwrap()).unwrap();
        assert_eq!(again.config, file.config);
        let json = ConfigFile::from_text(&file.to_json().unwrap()).unwrap();
        assert_eq!(json.config, file.config, "JSON is read back too");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = std::env::temp_dir().join(format!("updraft-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.yml");
        write_atomically(&path, "old").unwrap();
        // A directory where the file should go: the rename fails, the old file is kept.
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write_atomically(&blocked, "new").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write_atomically(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let leftovers = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
