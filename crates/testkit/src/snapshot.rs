//! Checked-in OpenAPI documents: each HTTP example's `openapi.json`, compared with the document
//! its code generates (or the spec it serves), and rewritten by `cargo xtask openapi`.

use std::path::Path;

/// The variable `cargo xtask openapi` sets to rewrite the documents instead of checking them.
pub const WRITE_OPENAPI_VAR: &str = "UPDRAFT_WRITE_OPENAPI";

/// Checks that `<example_dir>/openapi.json` holds `document` (pretty JSON, as
/// `Documented::to_json_pretty` writes it); with [`WRITE_OPENAPI_VAR`] set, writes it instead.
///
/// # Panics
///
/// When the file is missing or differs (the document is stale), naming the command that
/// rewrites it; or when it cannot be written.
pub fn openapi_snapshot(example_dir: &str, document: &str) {
    let path = Path::new(example_dir).join("openapi.json");
    if std::env::var_os(WRITE_OPENAPI_VAR).is_some() {
        if let Err(e) = std::fs::write(&path, document) {
            panic!("cannot write {}: {e}", path.display());
        }
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == document,
        "{} is stale (or missing): the routes' document changed. Run `cargo xtask openapi` and commit the file.",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "is stale")]
    fn a_stale_document_fails_with_the_command_that_mends_it() {
        let dir = std::env::temp_dir().join(format!("updraft-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        std::fs::write(dir.join("openapi.json"), "{}\n").ok();
        openapi_snapshot(
            dir.to_str().unwrap_or_default(),
            "{\"openapi\": \"3.1.0\"}\n",
        );
    }
}
