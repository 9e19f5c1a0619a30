//! The deployable example's checks (`examples/orders-service`): its SAM template passes
//! `cfn-lint` ([`lint`], a step of `cargo xtask test`), and `cargo lambda build --release`
//! makes a `bootstrap` for every function the template names, each `BuildProperties: Binary:`
//! ([`build`], `cargo xtask lambda-build`, which CI runs after the test command: the build is
//! a whole second compilation of the AWS SDK for Lambda's target, and `cargo xtask test` keeps
//! to its 45 minutes without it).
//!
//! CI checks that every function builds for Lambda's target, not how fast the result runs: the
//! release profile is overridden to optimization level 0, no LTO and 256 codegen units, which
//! builds the four functions from scratch in about 7 minutes on two cores, where the release
//! profile without fat LTO takes about 18 (measured with `time cargo lambda build --release`).
//! A deployment keeps the workspace's release profile.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::servers::Layout;
use crate::{Result, fail};

/// The example whose template and functions are checked.
pub const EXAMPLE: &str = "examples/orders-service";

/// The release profile's settings for the check (see the module docs).
pub const CI_PROFILE: [(&str, &str); 4] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
];

/// Lints the template with the servers' venv's `cfn-lint`.
pub fn lint(layout: &Layout) -> Result<()> {
    let cfn_lint = crate::servers::install::python(&layout.servers.join("venv"))?.join("cfn-lint");
    let template = layout.root.join(EXAMPLE).join("template.yaml");
    let output = Command::new(&cfn_lint).arg(&template).output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(fail(format!(
            "cfn-lint {}:\n{}{}",
            template.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// Builds every function of the template; returns one line per built `bootstrap`.
pub fn build(layout: &Layout) -> Result<Vec<String>> {
    let venv_bin = crate::servers::install::python(&layout.servers.join("venv"))?;
    let example = layout.root.join(EXAMPLE);
    let binaries = template_binaries(&std::fs::read_to_string(example.join("template.yaml"))?);
    if binaries.is_empty() {
        return Err(fail("the template names no function binary"));
    }
    let mut command = Command::new(venv_bin.join("cargo-lambda"));
    command
        .current_dir(&example)
        .args(["lambda", "build", "--release"])
        .envs(CI_PROFILE)
        // cargo-lambda links through the venv's zig.
        .env("PATH", with_path(&venv_bin));
    for binary in &binaries {
        command.args(["--bin", binary]);
    }
    let status = command.status()?;
    if !status.success() {
        return Err(fail(format!("cargo lambda build exited with {status}")));
    }
    let target = layout
        .servers
        .parent()
        .map_or_else(|| layout.root.join("target"), PathBuf::from);
    binaries
        .iter()
        .map(|binary| {
            let bootstrap = target.join("lambda").join(binary).join("bootstrap");
            let bytes = std::fs::read(&bootstrap)
                .map_err(|e| fail(format!("{}: {e}", bootstrap.display())))?;
            // An x86-64 ELF executable, as `Architectures: [x86_64]` needs.
            if bytes.get(..4) != Some(b"\x7fELF") || bytes.get(18..20) != Some(&[0x3e, 0x00]) {
                return Err(fail(format!(
                    "{} is not an x86-64 ELF binary",
                    bootstrap.display()
                )));
            }
            Ok(format!("{binary}: bootstrap, {} bytes", bytes.len()))
        })
        .collect()
}

/// The binaries of the template's functions, from their `Binary:` build properties.
fn template_binaries(template: &str) -> Vec<String> {
    template
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Binary:"))
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn with_path(first: &Path) -> std::ffi::OsString {
    let mut paths = vec![first.to_owned()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binaries_are_read_from_the_build_properties() {
        let template = "Resources:\n  A:\n    Metadata:\n      BuildProperties:\n        Binary: orders-api\n  B:\n    Metadata:\n      BuildProperties:\n        Binary: \"orders-pricing\"\n        Binary:\n";
        assert_eq!(
            template_binaries(template),
            ["orders-api", "orders-pricing"]
        );
    }
}
