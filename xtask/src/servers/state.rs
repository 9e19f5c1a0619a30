//! The state file: which servers one `start` started (kind, PID, process start time, port) and
//! where its PostgreSQL cluster lives, so that `stop` ends exactly those processes.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::{Kind, postgres};
use crate::process::Tracked;

/// One running server.
#[derive(Debug, Clone)]
pub struct Server {
    /// Which server.
    pub kind: Kind,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its process.
    pub process: Tracked,
}

/// The servers of one `start`, as recorded in the state file.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The servers.
    pub servers: Vec<Server>,
    /// The PostgreSQL cluster, which stops through `pg_ctl`.
    pub postgres: Option<postgres::Cluster>,
}

impl State {
    pub(super) fn render(&self) -> String {
        let mut text = String::new();
        for s in &self.servers {
            let _ = writeln!(
                text,
                "server {} {} {} {}",
                s.kind.name(),
                s.process.pid,
                s.process.start_time,
                s.port
            );
        }
        if let Some(cluster) = &self.postgres {
            let _ = writeln!(text, "postgres-bin {}", cluster.bin().display());
            let _ = writeln!(text, "postgres-base {}", cluster.base.display());
        }
        text
    }

    pub(super) fn parse(text: &str) -> Self {
        let mut state = State::default();
        let (mut bin, mut base) = (None, None);
        for line in text.lines() {
            let mut words = line.splitn(2, ' ');
            match (words.next(), words.next()) {
                (Some("server"), Some(rest)) => {
                    let f: Vec<&str> = rest.split(' ').collect();
                    if let [name, pid, start, port] = f[..]
                        && let Some(kind) = Kind::parse(name)
                        && let (Ok(pid), Ok(start_time), Ok(port)) =
                            (pid.parse(), start.parse(), port.parse())
                    {
                        state.servers.push(Server {
                            kind,
                            port,
                            process: Tracked { pid, start_time },
                        });
                    }
                }
                (Some("postgres-bin"), Some(path)) => bin = Some(PathBuf::from(path)),
                (Some("postgres-base"), Some(path)) => base = Some(PathBuf::from(path)),
                _ => {}
            }
        }
        if let (Some(bin), Some(base)) = (bin, base) {
            state.postgres = Some(postgres::Cluster::at(bin, base));
        }
        state
    }

    pub(super) fn port(&self, kind: Kind) -> u16 {
        self.servers
            .iter()
            .find(|s| s.kind == kind)
            .map_or(0, |s| s.port)
    }

    /// Stops every server of this state.
    pub(super) fn stop(&self) {
        for server in &self.servers {
            match (&self.postgres, server.kind) {
                (Some(cluster), Kind::Postgres) => cluster.stop(&server.process),
                _ => server.process.stop(Duration::from_secs(10)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        let state = State {
            servers: vec![Server {
                kind: Kind::Moto,
                port: 4566,
                process: Tracked {
                    pid: 42,
                    start_time: 7,
                },
            }],
            postgres: Some(postgres::Cluster::at(
                "/usr/lib/postgresql/15/bin".into(),
                "/tmp/pg dir".into(),
            )),
        };
        let parsed = State::parse(&state.render());
        assert_eq!(parsed.render(), state.render());
        assert_eq!(parsed.port(Kind::Moto), 4566);
        assert_eq!(State::parse("garbage\nserver x y z w\n").servers.len(), 0);
        assert_eq!(State::parse("server redis 1 2 3\n").servers.len(), 0);
    }
}
