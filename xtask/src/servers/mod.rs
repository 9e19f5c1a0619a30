//! `cargo xtask servers start|stop|status`: the real local servers the tests talk to.
//!
//! | server | serves | version |
//! |---|---|---|
//! | DynamoDB Local | DynamoDB | 1.25.1 (npm `amplify-dynamodb-simulator@2.9.30`), on Java 17 |
//! | `moto_server` | SQS, SNS, SSM, Secrets Manager, KMS, ECS, API Gateway Management, RDS, STS | 5.2.5 |
//! | SecantusDB | MongoDB wire protocol | 0.7 |
//! | PostgreSQL | PostgreSQL with TLS | Debian's |
//!
//! Each listens on a free port of 127.0.0.1. Their addresses, dummy credentials and the region
//! go to one env file (`target/updraft-servers/env`); the PIDs go to a state file, and `stop`
//! ends exactly those processes.

mod env;
pub mod install;
mod kind;
mod layout;
pub mod postgres;
mod spawn;
mod state;

use std::path::PathBuf;

pub use kind::Kind;
pub use layout::Layout;
pub use state::{Server, State};

use crate::process::{self, write_atomic};
use crate::{Result, fail};

/// The recorded state, if its servers all still run.
pub fn running(layout: &Layout) -> Option<State> {
    let text = std::fs::read_to_string(layout.state_file()).ok()?;
    let state = State::parse(&text);
    (!state.servers.is_empty()
        && state.servers.iter().all(|s| s.process.alive())
        && layout.env_file().is_file())
    .then_some(state)
}

/// Installs what is missing, starts every server and writes the env and state files.
pub fn start(layout: &Layout) -> Result<State> {
    if let Some(state) = running(layout) {
        eprintln!(
            "xtask: the servers are already running ({})",
            layout.env_file().display()
        );
        return Ok(state);
    }
    // A partial state from an interrupted run: stop what is left of it.
    stop(layout)?;
    std::fs::create_dir_all(layout.servers.join("logs"))?;
    install::java()?;
    let dynamodb_dir = install::dynamodb(&layout.servers.join("dynamodb"))?;
    let venv_bin = install::python(&layout.servers.join("venv"))?;
    let pg_bin = install::postgres()?;

    let mut state = State::default();
    let started = spawn::start_all(layout, &dynamodb_dir, &venv_bin, pg_bin, &mut state);
    // Record what runs even on failure, so `stop` can end it.
    write_atomic(&layout.state_file(), &state.render())?;
    if let Err(e) = started {
        state.stop();
        let _ = std::fs::remove_file(layout.state_file());
        return Err(e);
    }
    write_atomic(&layout.env_file(), &env::env_file(&state, &venv_bin))?;
    Ok(state)
}

/// Stops the servers of the state file, if any, and removes the env and state files.
pub fn stop(layout: &Layout) -> Result<()> {
    if let Ok(text) = std::fs::read_to_string(layout.state_file()) {
        let state = State::parse(&text);
        state.stop();
        if let Some(left) = state.servers.iter().find(|s| s.process.alive()) {
            return Err(fail(format!(
                "{} (pid {}) did not stop",
                left.kind.name(),
                left.process.pid
            )));
        }
    }
    for file in [layout.state_file(), layout.env_file()] {
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(())
}

/// Prints which servers run; fails when none do.
pub fn status(layout: &Layout) -> Result<()> {
    let text = std::fs::read_to_string(layout.state_file()).unwrap_or_default();
    let state = State::parse(&text);
    if state.servers.is_empty() {
        return Err(fail(
            "no servers are running: `cargo xtask servers start` starts them",
        ));
    }
    for s in &state.servers {
        let up = if s.process.alive() {
            "running"
        } else {
            "stopped"
        };
        eprintln!(
            "{:<8} {up:<8} 127.0.0.1:{:<5} pid {}",
            s.kind.name(),
            s.port,
            s.process.pid
        );
    }
    eprintln!("env file: {}", layout.env_file().display());
    Ok(())
}

/// Servers for one command: started by it (and stopped when it ends, on success, failure,
/// panic or Ctrl-C), or already running from `servers start` (and left running).
pub struct Guard {
    layout: Layout,
    owned: bool,
    /// The variables of the env file.
    pub vars: Vec<(String, String)>,
}

impl Guard {
    /// Reuses running servers or starts them.
    pub fn acquire(layout: &Layout) -> Result<Self> {
        process::interrupted();
        let owned = running(layout).is_none();
        if owned {
            start(layout)?;
        }
        // Built before anything else can fail, so that Drop stops what was started.
        let mut guard = Self {
            layout: layout.clone(),
            owned,
            vars: Vec::new(),
        };
        let text = std::fs::read_to_string(layout.env_file())?;
        guard.vars = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok(guard)
    }

    /// The env file's path.
    pub fn env_file(&self) -> PathBuf {
        self.layout.env_file()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.owned {
            if let Err(e) = stop(&self.layout) {
                eprintln!("xtask: stopping the servers failed: {e}");
            } else {
                eprintln!("xtask: servers stopped");
            }
        }
    }
}

/// A short stable tag for `text`.
pub(crate) fn install_stamp(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}
