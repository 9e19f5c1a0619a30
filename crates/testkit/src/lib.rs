#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # The servers' env
//!
//! The servers' addresses, dummy credentials and region are in one env file that xtask writes
//! (`target/updraft-servers/env`) and names in `UPDRAFT_SERVERS_ENV` when it runs the tests.
//! A test that needs them and finds no file fails and says to run `cargo xtask test`: it never
//! passes without having talked to a server.

mod cut;
mod emf;
mod emulator;
mod fake;
pub mod fuzz;
mod http;
mod logs;
mod moto;
#[cfg(feature = "aws")]
mod network;
mod paired;
mod process;
mod proxy;
mod snapshot;

pub use cut::{Answers, CutProxy};
pub use emf::check_emf;
pub use emulator::Emulator;
pub use fake::{Canned, FakeEndpoint, Recorded};
pub use http::{Reply, request, wait_for_port};
pub use logs::{LogBuffer, every_callsite_interesting};
pub use moto::{MOTO_SERVER_VAR, PrivateMoto};
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use network::{DefaultNetwork, default_network};
pub use paired::{Paired, paired};
pub use process::{ChildGuard, output_with_stdin};
pub use proxy::{Exchange, FaultProxy, gone_connections};
pub use snapshot::{WRITE_OPENAPI_VAR, openapi_snapshot};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use updraft_core::{Env, Error};

/// The variable that names the servers' env file.
pub const SERVERS_ENV_VAR: &str = "UPDRAFT_SERVERS_ENV";

/// Where the servers' env file is: `UPDRAFT_SERVERS_ENV`, else `target/updraft-servers/env`
/// in the workspace that contains the current directory.
#[must_use]
pub fn servers_env_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(SERVERS_ENV_VAR) {
        return Some(PathBuf::from(path));
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    start
        .ancestors()
        .map(|dir| dir.join("target/updraft-servers/env"))
        .find(|candidate| candidate.is_file())
}

/// The variables of the running local servers, and nothing else.
///
/// # Errors
///
/// [`Error::MissingVar`] naming [`SERVERS_ENV_VAR`] when no env file is found, and
/// [`Error::DotEnv`] when it cannot be read.
pub fn try_servers_env() -> Result<Env, Error> {
    let path = servers_env_path().ok_or_else(|| Error::MissingVar {
        name: format!("{SERVERS_ENV_VAR} (no local servers are running: run `cargo xtask test`, or `cargo xtask servers start` first)"),
    })?;
    read_file(&path)
}

fn read_file(path: &Path) -> Result<Env, Error> {
    Env::default().with_file(path)
}

/// The variables of the running local servers.
///
/// # Panics
///
/// When no servers are running, with a message that says to run `cargo xtask test`.
#[must_use]
pub fn servers_env() -> Env {
    match try_servers_env() {
        Ok(env) => env,
        Err(e) => panic!("this test needs the local servers: {e}"),
    }
}

/// The AWS configuration that reaches the local servers.
///
/// # Panics
///
/// When no servers are running, or their env file is malformed.
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub async fn aws_config() -> updraft_core::SdkConfig {
    match updraft_core::aws::ConfigLoader::new()
        .env(servers_env())
        .load()
        .await
    {
        Ok(config) => config,
        Err(e) => panic!("the local servers' env file does not configure AWS: {e}"),
    }
}

/// Runs `program` (an example's binary, say) with the servers' env and returns its stdout.
///
/// # Panics
///
/// When it cannot start or exits unsuccessfully (with its stderr), or prints non-UTF-8.
#[must_use]
pub fn run_with_servers(program: &str) -> String {
    let output = match std::process::Command::new(program)
        .envs(servers_env().added())
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!("cannot run {program}: {e}"),
    };
    assert!(
        output.status.success(),
        "{program} exited with {}:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    match String::from_utf8(output.stdout) {
        Ok(stdout) => stdout,
        Err(e) => panic!("{program} printed non-UTF-8: {e}"),
    }
}

/// The binary `name` of another workspace package, from the target directory this test was
/// built into (`target/debug/<name>`). `cargo xtask test` builds every binary of the workspace
/// before any test runs; a test run on its own package needs it built first.
///
/// # Panics
///
/// When the binary is not there, with the command that builds it.
#[must_use]
pub fn workspace_binary(name: &str) -> PathBuf {
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(Path::parent).map(Path::to_path_buf));
    let candidate = profile_dir.map(|dir| dir.join(name));
    match candidate {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "the binary `{name}` is not built: run `cargo xtask test`, or `cargo build --bins --workspace` before this test"
        ),
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
///
/// # Panics
///
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(address) => address.port(),
        Err(e) => panic!("no free port: {e}"),
    }
}

/// A name no other test in this run uses, for queues, tables, databases and topics.
///
/// Names start with `prefix`, hold only `[a-z0-9-]`, and stay under 64 characters.
#[must_use]
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut name = format!("{prefix}-{}-{n}-{nanos:x}", std::process::id());
    name.truncate(63);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ() {
        let a = unique_name("queue");
        let b = unique_name("queue");
        assert_ne!(a, b);
        assert!(a.starts_with("queue-") && a.len() < 64);
    }

    #[test]
    fn a_missing_file_says_what_to_run() {
        let err = read_file(Path::new("/nonexistent/updraft-servers/env")).unwrap_err();
        assert!(matches!(err, Error::DotEnv { .. }));
        let message = Error::MissingVar {
            name: SERVERS_ENV_VAR.into(),
        }
        .to_string();
        assert!(message.contains(SERVERS_ENV_VAR));
    }
}
