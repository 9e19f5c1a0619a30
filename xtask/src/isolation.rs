//! The feature-isolation check: each facade feature builds only its own heavy crates.
//!
//! For every feature `X` of `facade/Cargo.toml` it runs
//! `cargo tree -p updraft --no-default-features --features X -e normal` and fails when the tree
//! holds a heavy crate (any `aws-sdk-*`, `sqlx`, `mongodb`, `axum`, `lambda_http`) that `X` does
//! not declare in `[package.metadata.updraft.heavy]`. Heavy crates of the always-on core (the
//! SDK's SSO and STS clients that aws-config needs) are allowed everywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::process::run;
use crate::{Result, fail};

/// Whether `name` is one of the crates that cost minutes to build and must stay behind their
/// own feature.
pub fn is_heavy(name: &str) -> bool {
    name.starts_with("aws-sdk-")
        || name.starts_with("sqlx")
        || matches!(name, "mongodb" | "axum" | "lambda_http")
}

/// The features of a facade manifest (without `default` and `full`) and the heavy crates each
/// declares.
pub fn declared(manifest: &str) -> (Vec<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut features = Vec::new();
    let mut heavy = BTreeMap::new();
    let mut section = "";
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"').to_owned();
        match section {
            "[features]" if key != "default" && key != "full" => features.push(key),
            "[package.metadata.updraft.heavy]" => {
                let crates = value
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split(',')
                    .map(|c| c.trim().trim_matches('"').to_owned())
                    .filter(|c| !c.is_empty())
                    .collect();
                heavy.insert(key, crates);
            }
            _ => {}
        }
    }
    (features, heavy)
}

/// The heavy crates in the normal dependency tree of the facade with `feature` (or none).
fn heavy_in_tree(root: &Path, feature: Option<&str>) -> Result<BTreeSet<String>> {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(root)
        .args([
            "tree",
            "--quiet",
            "-p",
            "updraft",
            "--no-default-features",
            "-e",
            "normal",
        ])
        .args(["--prefix", "none", "--format", "{p}"]);
    if let Some(feature) = feature {
        command.args(["--features", feature]);
    }
    let tree = run(&mut command)?;
    Ok(tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| is_heavy(name))
        .map(str::to_owned)
        .collect())
}

/// The violations of `feature`, whose tree holds `found` heavy crates beyond the baseline.
pub fn violations(
    feature: &str,
    found: &BTreeSet<String>,
    declared: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let own = declared.get(feature);
    found
        .iter()
        .filter(|krate| !own.is_some_and(|own| own.contains(*krate)))
        .map(|krate| {
            match declared.iter().find(|(other, crates)| *other != feature && crates.contains(krate)) {
                Some((owner, _)) => format!(
                    "feature `{feature}` pulls in `{krate}`, which belongs to feature `{owner}`"
                ),
                None => format!(
                    "feature `{feature}` pulls in `{krate}`, which no feature declares in [package.metadata.updraft.heavy]"
                ),
            }
        })
        .collect()
}

/// Runs the check on the workspace at `root`; returns one line per feature checked.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let manifest = std::fs::read_to_string(root.join("facade/Cargo.toml"))?;
    let (features, declared) = declared(&manifest);
    let baseline = heavy_in_tree(root, None)?;
    let mut report = vec![format!("always on: {}", list(&baseline))];
    let mut problems = Vec::new();
    for feature in &features {
        let found: BTreeSet<String> = heavy_in_tree(root, Some(feature))?
            .difference(&baseline)
            .cloned()
            .collect();
        problems.extend(violations(feature, &found, &declared));
        report.push(format!("{feature}: {}", list(&found)));
    }
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(fail(format!(
            "feature isolation is broken:\n  {}",
            problems.join("\n  ")
        )))
    }
}

fn list(crates: &BTreeSet<String>) -> String {
    if crates.is_empty() {
        "no heavy crates".to_owned()
    } else {
        crates.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[features]
default = []
full = ["sns", "sqs-backend"]
sns = ["dep:updraft-sns"]
sqs-backend = ["dep:updraft-sqs-backend"]

[package.metadata.updraft.heavy]
sns = ["aws-sdk-sns"]
sqs-backend = ["aws-sdk-sqs"]
"#;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_features_and_declarations() {
        let (features, declared) = declared(MANIFEST);
        assert_eq!(features, ["sns", "sqs-backend"]);
        assert_eq!(declared["sns"], set(&["aws-sdk-sns"]));
    }

    #[test]
    fn a_crate_of_another_feature_is_a_violation() {
        let (_, declared) = declared(MANIFEST);
        assert!(violations("sns", &set(&["aws-sdk-sns"]), &declared).is_empty());
        let wrong = violations("sns", &set(&["aws-sdk-sns", "aws-sdk-sqs"]), &declared);
        assert_eq!(
            wrong,
            ["feature `sns` pulls in `aws-sdk-sqs`, which belongs to feature `sqs-backend`"]
        );
        let undeclared = violations("sns", &set(&["mongodb"]), &declared);
        assert!(
            undeclared[0].contains("no feature declares"),
            "{undeclared:?}"
        );
    }

    #[test]
    fn heavy_crates_are_recognised() {
        assert!(
            is_heavy("aws-sdk-dynamodb") && is_heavy("sqlx-postgres") && is_heavy("lambda_http")
        );
        assert!(!is_heavy("aws-config") && !is_heavy("lambda_runtime") && !is_heavy("serde"));
    }
}
