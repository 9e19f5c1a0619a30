//! Where the workspace and the servers' files are.

use std::path::{Path, PathBuf};

use super::Kind;

/// Where the workspace and its server files are.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The workspace root.
    pub root: PathBuf,
    /// `target/updraft-servers`.
    pub servers: PathBuf,
}

impl Layout {
    /// The layout of the workspace xtask was built in.
    pub fn discover() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        Self {
            servers: target.join("updraft-servers"),
            root,
        }
    }

    /// The env file tests and examples read.
    pub fn env_file(&self) -> PathBuf {
        self.servers.join("env")
    }

    pub(super) fn state_file(&self) -> PathBuf {
        self.servers.join("state")
    }

    pub(super) fn log(&self, kind: Kind) -> PathBuf {
        self.servers
            .join("logs")
            .join(format!("{}.log", kind.name()))
    }
}
