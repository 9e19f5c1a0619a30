//! The check that examples use only the facade, as a user would.
//!
//! Every `examples/<name>/Cargo.toml` must be named `example-<name>`, depend on `updraft`, not
//! be published, and depend on no `updraft-*` crate directly; no example source may name an
//! `updraft_*` crate path.

use std::path::Path;

use crate::{Result, fail};

/// Checks every example under `root/examples`.
pub fn check(root: &Path) -> Result<()> {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(root.join("examples"))? {
        let dir = entry?.path();
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
            .map_err(|e| fail(format!("examples/{name}/Cargo.toml: {e}")))?;
        problems.extend(manifest_problems(&name, &manifest));
        if !dir.join("README.md").is_file() {
            problems.push(format!("examples/{name} has no README.md"));
        }
        for source in rust_files(&dir.join("src"))? {
            let text = std::fs::read_to_string(&source)?;
            if let Some(line) = text.lines().find(|l| names_a_sub_crate(l)) {
                problems.push(format!(
                    "{}: reaches past the facade: `{}`",
                    source.display(),
                    line.trim()
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(problems.join("\n")))
    }
}

fn manifest_problems(name: &str, manifest: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !manifest.contains(&format!("name = \"example-{name}\"")) {
        problems.push(format!(
            "examples/{name}: the package must be named example-{name}"
        ));
    }
    if !manifest.contains("publish = false") {
        problems.push(format!("examples/{name}: add `publish = false`"));
    }
    let mut deps = false;
    let mut uses_facade = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            deps = line.ends_with("dependencies]");
            continue;
        }
        if !deps {
            continue;
        }
        let key = line.split(['=', '.', ' ']).next().unwrap_or_default();
        if key == "updraft" {
            uses_facade = true;
        } else if key.starts_with("updraft-") {
            problems.push(format!(
                "examples/{name}: depends on {key}; use the facade feature instead"
            ));
        }
    }
    if !uses_facade {
        problems.push(format!(
            "examples/{name}: does not depend on the updraft facade"
        ));
    }
    problems
}

fn names_a_sub_crate(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    code.match_indices("updraft_").any(|(i, _)| {
        let before = code[..i].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && code[i..]
                .split("::")
                .next()
                .is_some_and(|path| path.len() > "updraft_".len())
            && code[i..].contains("::")
    })
}

fn rust_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[package]\nname = \"example-demo\"\npublish = false\n\n[dependencies]\nupdraft = { workspace = true, features = [\"sns\"] }\ntokio.workspace = true\n";

    #[test]
    fn a_facade_example_passes() {
        assert!(manifest_problems("demo", GOOD).is_empty());
    }

    #[test]
    fn direct_sub_crate_dependencies_fail() {
        let bad = GOOD.replace("tokio.workspace", "updraft-sns.workspace");
        let problems = manifest_problems("demo", &bad);
        assert!(problems[0].contains("updraft-sns"), "{problems:?}");
        assert!(
            !manifest_problems("other", GOOD).is_empty(),
            "the name must match the folder"
        );
    }

    #[test]
    fn sub_crate_paths_in_code_fail() {
        assert!(names_a_sub_crate("use updraft_sns::Publisher;"));
        assert!(names_a_sub_crate("let p = ::updraft_core::Env::load();"));
        assert!(!names_a_sub_crate("use updraft::sns::Publisher;"));
        assert!(!names_a_sub_crate("let my_updraft_thing = 1;"));
        assert!(!names_a_sub_crate(
            "// updraft_core::x is what the facade re-exports"
        ));
    }
}
