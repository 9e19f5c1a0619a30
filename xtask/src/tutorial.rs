//! The tutorial check: every page of `updraft::tutorial`, and the facade README, compiles with
//! exactly the features it names, not with everything a workspace build turns on.
//!
//! The pages and their features are read from `facade/src/tutorial.rs`: each page is a
//! `pub mod` under a `#[cfg(feature = "…")]` or `#[cfg(all(feature = "…", …))]` line. For each
//! one this runs `cargo test -p updraft --doc --no-default-features --features <them> --
//! tutorial::<page>`; the README's example runs with `aws` alone.

use std::path::Path;
use std::process::Command;

use crate::{Result, fail};

/// One page: its module name and its features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The module under `updraft::tutorial`.
    pub name: String,
    /// The features its example needs.
    pub features: Vec<String>,
}

/// The pages of `tutorial.rs`'s text.
///
/// # Errors
///
/// A `pub mod` without a feature gate: its example would compile only with whatever a
/// workspace build happens to turn on.
pub fn pages(text: &str) -> Result<Vec<Page>> {
    let mut pages = Vec::new();
    let mut features: Option<Vec<String>> = None;
    for line in text.lines().map(str::trim) {
        if let Some(cfg) = line.strip_prefix("#[cfg(") {
            features = Some(
                cfg.split("feature = \"")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next())
                    .map(str::to_owned)
                    .collect(),
            );
        } else if let Some(rest) = line.strip_prefix("pub mod ") {
            let name = rest.trim_end_matches(['{', '}', ';', ' ']).to_owned();
            match features.take() {
                Some(features) if !features.is_empty() => pages.push(Page { name, features }),
                _ => {
                    return Err(fail(format!(
                        "facade/src/tutorial.rs: page `{name}` names no feature"
                    )));
                }
            }
        }
    }
    Ok(pages)
}

/// Compiles every page's example, and the README's, under their own features.
///
/// # Errors
///
/// The pages that failed, by name.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(root.join("facade/src/tutorial.rs"))?;
    let mut runs = pages(&text)?
        .into_iter()
        .map(|page| (format!("tutorial::{}", page.name), page.features))
        .collect::<Vec<_>>();
    runs.push(("README.md".to_owned(), vec!["aws".to_owned()]));
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for (filter, features) in runs {
        let features = features.join(",");
        let status = Command::new(env!("CARGO"))
            .current_dir(root)
            .args([
                "test",
                "--quiet",
                "-p",
                "updraft",
                "--doc",
                "--no-default-features",
            ])
            .args(["--features", &features, "--", &filter])
            .status()?;
        if status.success() {
            report.push(format!("{filter}: ok with {features}"));
        } else {
            failed.push(format!("{filter} (features {features})"));
        }
    }
    if failed.is_empty() {
        Ok(report)
    } else {
        Err(fail(format!(
            "these examples do not compile with the features they name: {}",
            failed.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_their_features_and_an_ungated_page_is_an_error() {
        let text = r#"
#[cfg(feature = "dynamo")]
#[doc = include_str!("../tutorial/dynamo_model.md")]
pub mod dynamo_model {}

#[cfg(all(feature = "sns", feature = "sqs-backend"))]
#[doc = include_str!("../tutorial/messaging.md")]
pub mod messaging {}
"#;
        assert_eq!(
            pages(text).unwrap(),
            [
                Page {
                    name: "dynamo_model".into(),
                    features: vec!["dynamo".into()]
                },
                Page {
                    name: "messaging".into(),
                    features: vec!["sns".into(), "sqs-backend".into()]
                },
            ]
        );
        let ungated = "#[doc = \"x\"]\npub mod loose {}\n";
        assert!(pages(ungated).unwrap_err().to_string().contains("`loose`"));
    }
}
