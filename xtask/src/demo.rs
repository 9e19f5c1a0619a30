//! `cargo xtask demo`: the quickstart tour, against the local servers.

use std::process::Command;

use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Starts the servers (unless running), runs `examples/quickstart` against them, stops them.
pub fn run(layout: &Layout) -> Result<()> {
    let servers = Guard::acquire(layout)?;
    eprintln!("xtask: running examples/quickstart against the local servers");
    let status = Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args(["run", "--quiet", "-p", "example-quickstart"])
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .status()?;
    drop(servers);
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("the quickstart exited with {status}")))
    }
}
