//! The feature-isolation check, run with real `cargo tree` on a miniature workspace.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("isolation");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/isolation"),
        &root,
    );
    (dir, root)
}

#[test]
fn a_feature_that_pulls_in_another_features_heavy_crate_fails_the_check() {
    let (_dir, root) = fixture();
    let err = xtask::isolation::check(&root).unwrap_err().to_string();
    assert!(
        err.contains("feature `a` pulls in `aws-sdk-b`, which belongs to feature `b`"),
        "{err}"
    );
    assert!(!err.contains("feature `b` pulls in"), "{err}");
}

#[test]
fn the_check_passes_once_the_wrong_dependency_is_gone() {
    let (_dir, root) = fixture();
    let manifest = root.join("crates/a/Cargo.toml");
    let fixed: Vec<String> = std::fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("aws-sdk-b"))
        .map(str::to_owned)
        .collect();
    let fixed = fixed.join("\n");
    std::fs::write(&manifest, fixed).unwrap();
    let report = xtask::isolation::check(&root).unwrap();
    assert!(report.contains(&"a: aws-sdk-a".to_owned()), "{report:?}");
    assert!(report.contains(&"b: aws-sdk-b".to_owned()), "{report:?}");
}
