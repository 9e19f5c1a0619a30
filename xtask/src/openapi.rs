//! `cargo xtask openapi`: each HTTP example's OpenAPI document, written to
//! `examples/<name>/openapi.json`.
//!
//! An HTTP example is one whose sources build an HTTP context `App`. Each has a test whose name
//! holds `checked_in_document`: it compares the document the example generates (or the spec
//! it serves) with the checked-in file, and writes the file instead when
//! `UPDRAFT_WRITE_OPENAPI` is set (`updraft_testkit::openapi_snapshot`). This command runs
//! those tests with the variable set; the test suite runs them without it, so CI fails when a
//! checked-in document is stale. [`check`] (a step of `cargo xtask test`) fails when an HTTP
//! example has no document at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run;
use crate::{Result, fail};

/// The variable the snapshot tests read (`updraft_testkit::WRITE_OPENAPI_VAR`).
const WRITE_OPENAPI_VAR: &str = "UPDRAFT_WRITE_OPENAPI";

/// The filter that selects the snapshot tests.
const TEST_FILTER: &str = "checked_in_document";

/// The HTTP examples: (directory, package), in name order.
pub fn http_examples(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root.join("examples"))? {
        let dir = entry?.path();
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if sources_build_an_app(&dir.join("src"))? {
            found.push((dir, format!("example-{name}")));
        }
    }
    found.sort();
    Ok(found)
}

fn sources_build_an_app(dir: &Path) -> Result<bool> {
    if !dir.is_dir() {
        return Ok(false);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let builds = if path.is_dir() {
            sources_build_an_app(&path)?
        } else {
            path.extension().is_some_and(|e| e == "rs")
                && std::fs::read_to_string(&path)?.contains("App::new(")
        };
        if builds {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Writes the document of every HTTP example; returns the files written.
pub fn write(root: &Path) -> Result<Vec<String>> {
    let examples = http_examples(root)?;
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(root)
        .env(WRITE_OPENAPI_VAR, "1")
        .args(["test", "--quiet", "--lib", "--tests"]);
    for (_, package) in &examples {
        command.args(["-p", package]);
    }
    command.args(["--", TEST_FILTER]);
    run(&mut command)?;
    let mut written = Vec::new();
    for (dir, package) in &examples {
        let file = dir.join("openapi.json");
        if !file.is_file() {
            return Err(fail(format!(
                "{package} wrote no openapi.json: give it a test named `{TEST_FILTER}…` that calls `updraft::testing::openapi_snapshot`"
            )));
        }
        written.push(file.display().to_string());
    }
    Ok(written)
}

/// Fails when an HTTP example has no checked-in document (the tests check that the ones that
/// are there are current).
pub fn check(root: &Path) -> Result<()> {
    let missing: Vec<String> = http_examples(root)?
        .into_iter()
        .filter(|(dir, _)| !dir.join("openapi.json").is_file())
        .map(|(dir, _)| format!("{} has no openapi.json", dir.display()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "{}\nrun `cargo xtask openapi` and commit the files",
            missing.join("\n")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_examples_are_found_by_their_app() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let packages: Vec<String> = http_examples(&root)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        for expected in [
            "example-http-api",
            "example-idempotent-payments",
            "example-openapi-pets",
            "example-orders-service",
        ] {
            assert!(packages.iter().any(|p| p == expected), "{packages:?}");
        }
        assert!(
            !packages.iter().any(|p| p == "example-sqs-consumer"),
            "{packages:?}"
        );
        assert!(check(&root).is_ok());
    }
}
