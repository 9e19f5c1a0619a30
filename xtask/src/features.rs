//! The facade's feature table, generated from the `## ` comments in `facade/Cargo.toml`.
//!
//! A comment block right above a key of `[features]` documents that feature; one above
//! `updraft-core` in `[dependencies]` documents the always-on core. The table goes between
//! `<!-- features:start -->` and `<!-- features:end -->` in `facade/README.md` (the facade's
//! crate docs) and in the workspace `README.md`. `cargo xtask features` rewrites both;
//! `cargo xtask test` fails when either is stale.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::{Result, fail};

const START: &str = "<!-- features:start -->";
const END: &str = "<!-- features:end -->";

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The feature, or `None` for the always-on core.
    pub feature: Option<String>,
    /// What it brings.
    pub doc: String,
    /// The crate it enables (`updraft-<name>`, re-exported as `updraft::<feature>`): the crate
    /// of its own name, or the first `dep:updraft-…` it lists (`testing` enables
    /// `updraft-testkit`). `None` for a feature that only turns on others.
    pub krate: Option<String>,
}

/// Reads the documented rows of a facade manifest.
pub fn rows(manifest: &str) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut section = "";
    let mut doc: Vec<&str> = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            doc.clear();
        } else if let Some(text) = line.strip_prefix("##") {
            doc.push(text.trim());
        } else if let Some((key, value)) = line.split_once('=') {
            // `updraft-core.workspace = true` is a dotted key: the name is its first part.
            let key = key
                .trim()
                .trim_matches('"')
                .split('.')
                .next()
                .unwrap_or_default();
            let text = doc.join(" ");
            doc.clear();
            match section {
                "[features]" if key != "default" => {
                    if text.is_empty() {
                        return Err(fail(format!(
                            "facade/Cargo.toml: feature `{key}` has no `## ` comment to document it"
                        )));
                    }
                    rows.push(Row {
                        feature: Some(key.to_owned()),
                        doc: text,
                        krate: enabled_crate(key, value),
                    });
                }
                "[dependencies]" if key == "updraft-core" && !text.is_empty() => rows.push(Row {
                    feature: None,
                    doc: text,
                    krate: Some("core".to_owned()),
                }),
                _ => {}
            }
        } else if line.is_empty() {
            doc.clear();
        }
    }
    Ok(rows)
}

/// The crate a feature's value enables: `updraft-<key>` when listed, else the first
/// `dep:updraft-…` of the list.
fn enabled_crate(key: &str, value: &str) -> Option<String> {
    if value.contains(&format!("\"dep:updraft-{key}\"")) {
        return Some(key.to_owned());
    }
    let start = value.find("\"dep:updraft-")? + "\"dep:updraft-".len();
    let rest = &value[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The module each crate is re-exported as, from the facade's `pub use updraft_x as y;` lines.
pub fn modules(lib: &str) -> BTreeMap<String, String> {
    lib.lines()
        .filter_map(|line| {
            let (krate, module) = line
                .trim()
                .strip_prefix("pub use updraft_")?
                .strip_suffix(';')?
                .split_once(" as ")?;
            Some((krate.replace('_', "-"), module.trim().to_owned()))
        })
        .collect()
}

/// The markdown table for `rows`; `modules` names each crate's module (else its own name).
pub fn table(rows: &[Row], modules: &BTreeMap<String, String>) -> String {
    let mut text =
        String::from("| feature | crate | module | what it brings |\n|---|---|---|---|\n");
    for row in rows {
        let (feature, krate, module) = match (&row.feature, &row.krate) {
            (None, _) => (
                "*(always)*".to_owned(),
                "`updraft-core`".to_owned(),
                "`updraft::core`".to_owned(),
            ),
            (Some(f), Some(krate)) => (
                format!("`{f}`"),
                format!("`updraft-{krate}`"),
                format!(
                    "`updraft::{}`",
                    modules
                        .get(krate)
                        .cloned()
                        .unwrap_or_else(|| krate.replace('-', "_"))
                ),
            ),
            (Some(f), None) => (format!("`{f}`"), String::new(), String::new()),
        };
        let _ = writeln!(text, "| {feature} | {krate} | {module} | {} |", row.doc);
    }
    text
}

/// `text` with the part between the markers replaced by `table`.
pub fn splice(text: &str, table: &str) -> Result<String> {
    let start = text
        .find(START)
        .ok_or_else(|| fail(format!("no `{START}` marker")))?
        + START.len();
    let end = text[start..]
        .find(END)
        .ok_or_else(|| fail(format!("no `{END}` marker")))?
        + start;
    Ok(format!("{}\n{}{}", &text[..start], table, &text[end..]))
}

/// Regenerates the tables, or with `check` only reports the stale ones.
pub fn run(root: &Path, check: bool) -> Result<()> {
    let manifest = std::fs::read_to_string(root.join("facade/Cargo.toml"))?;
    let lib = std::fs::read_to_string(root.join("facade/src/lib.rs"))?;
    let table = table(&rows(&manifest)?, &modules(&lib));
    let mut stale = Vec::new();
    for file in ["facade/README.md", "README.md"] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)?;
        let fresh = splice(&text, &table).map_err(|e| fail(format!("{file}: {e}")))?;
        if fresh != text {
            if check {
                stale.push(file);
            } else {
                std::fs::write(&path, fresh)?;
                eprintln!("xtask: updated the feature table in {file}");
            }
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "the feature table is stale in {}: run `cargo xtask features`",
            stale.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[dependencies]
## AWS config, `.env`, the Session.
updraft-core.workspace = true
updraft-sns = { workspace = true, optional = true }

[features]
default = []
## Everything.
full = ["sns"]
## Typed SNS publishing,
## with FIFO.
sns = ["dep:updraft-sns"]
## Test helpers.
testing = ["dep:updraft-testkit", "sns?/testing"]
"#;

    #[test]
    fn reads_documented_features() {
        let rows = rows(MANIFEST).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].feature, None);
        assert_eq!(rows[2].doc, "Typed SNS publishing, with FIFO.");
        assert_eq!(rows[2].krate.as_deref(), Some("sns"));
        assert_eq!(rows[1].krate, None);
        assert_eq!(rows[3].krate.as_deref(), Some("testkit"));
        let table = table(
            &rows,
            &modules("pub use updraft_sns as sns;\npub use updraft_testkit as testing;\n"),
        );
        assert!(
            table
                .contains("| `testing` | `updraft-testkit` | `updraft::testing` | Test helpers. |"),
            "{table}"
        );
        assert!(
            table.contains(
                "| `sns` | `updraft-sns` | `updraft::sns` | Typed SNS publishing, with FIFO. |"
            ),
            "{table}"
        );
    }

    #[test]
    fn an_undocumented_feature_is_an_error() {
        let err = rows("[features]\nsns = [\"dep:updraft-sns\"]\n").unwrap_err();
        assert!(err.to_string().contains("`sns`"));
    }

    #[test]
    fn splicing_replaces_only_between_markers() {
        let text = format!("before\n{START}\nold\n{END}\nafter\n");
        let out = splice(&text, "new\n").unwrap();
        assert_eq!(out, format!("before\n{START}\nnew\n{END}\nafter\n"));
        assert_eq!(
            splice(&out, "new\n").unwrap(),
            out,
            "splicing is idempotent"
        );
        assert!(splice("no markers", "x").is_err());
    }
}
