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

pub mod install;
pub mod postgres;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{self, Tracked, accepts, free_port, http_status, wait_until, write_atomic};
use crate::{Result, fail};

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

    fn state_file(&self) -> PathBuf {
        self.servers.join("state")
    }

    fn log(&self, name: &str) -> PathBuf {
        self.servers.join("logs").join(format!("{name}.log"))
    }
}

/// One running server.
#[derive(Debug, Clone)]
pub struct Server {
    /// `dynamodb`, `moto`, `mongo` or `postgres`.
    pub name: String,
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
    fn render(&self) -> String {
        let mut text = String::new();
        for s in &self.servers {
            let _ = writeln!(
                text,
                "server {} {} {} {}",
                s.name, s.process.pid, s.process.start_time, s.port
            );
        }
        if let Some(cluster) = &self.postgres {
            let _ = writeln!(text, "postgres-bin {}", cluster.bin().display());
            let _ = writeln!(text, "postgres-base {}", cluster.base.display());
        }
        text
    }

    fn parse(text: &str) -> Self {
        let mut state = State::default();
        let (mut bin, mut base) = (None, None);
        for line in text.lines() {
            let mut words = line.splitn(2, ' ');
            match (words.next(), words.next()) {
                (Some("server"), Some(rest)) => {
                    let f: Vec<&str> = rest.split(' ').collect();
                    if let [name, pid, start, port] = f[..]
                        && let (Ok(pid), Ok(start_time), Ok(port)) =
                            (pid.parse(), start.parse(), port.parse())
                    {
                        state.servers.push(Server {
                            name: name.to_owned(),
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

    fn port(&self, name: &str) -> u16 {
        self.servers
            .iter()
            .find(|s| s.name == name)
            .map_or(0, |s| s.port)
    }

    /// Stops every server of this state.
    fn stop(&self) {
        for server in &self.servers {
            match (&self.postgres, server.name.as_str()) {
                (Some(cluster), "postgres") => cluster.stop(&server.process),
                _ => server.process.stop(Duration::from_secs(10)),
            }
        }
    }
}

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
    let started = start_all(layout, &dynamodb_dir, &venv_bin, pg_bin, &mut state);
    // Record what runs even on failure, so `stop` can end it.
    write_atomic(&layout.state_file(), &state.render())?;
    if let Err(e) = started {
        state.stop();
        let _ = std::fs::remove_file(layout.state_file());
        return Err(e);
    }
    write_atomic(&layout.env_file(), &env_file(&state, &venv_bin))?;
    Ok(state)
}

fn start_all(
    layout: &Layout,
    dynamodb_dir: &Path,
    venv_bin: &Path,
    pg_bin: PathBuf,
    state: &mut State,
) -> Result<()> {
    let t0 = std::time::Instant::now();
    // Spawn the slow ones first, then wait for each: their start-ups overlap.
    let port = free_port()?;
    let mut java = Command::new("java");
    java.current_dir(dynamodb_dir)
        .arg(format!(
            "-Djava.library.path={}",
            dynamodb_dir.join("DynamoDBLocal_lib").display()
        ))
        .args([
            "-Xmx512m",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-port",
            &port.to_string(),
        ]);
    let process = process::spawn(java, &layout.log("dynamodb"))?;
    state.servers.push(Server {
        name: "dynamodb".into(),
        port,
        process,
    });

    let port = free_port()?;
    let mut moto = Command::new(venv_bin.join("moto_server"));
    moto.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let process = process::spawn(moto, &layout.log("moto"))?;
    state.servers.push(Server {
        name: "moto".into(),
        port,
        process,
    });

    let port = free_port()?;
    let mut mongo = Command::new(venv_bin.join("secantusd-py"));
    mongo.args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--storage-path",
        ":memory:",
    ]);
    let process = process::spawn(mongo, &layout.log("mongo"))?;
    state.servers.push(Server {
        name: "mongo".into(),
        port,
        process,
    });

    let cluster = postgres::Cluster::new(pg_bin, &layout.servers);
    let port = free_port()?;
    state.postgres = Some(cluster.clone());
    let process = cluster.start(port)?;
    state.servers.push(Server {
        name: "postgres".into(),
        port,
        process,
    });

    for server in &state.servers {
        let port = server.port;
        let log = if server.name == "postgres" {
            cluster.log()
        } else {
            layout.log(&server.name)
        };
        let took = match server.name.as_str() {
            "moto" => wait_until(
                "moto_server",
                Some(&server.process),
                &log,
                Duration::from_secs(60),
                || http_status(port, "/moto-api/") == Some(200),
            )?,
            "dynamodb" => wait_until(
                "DynamoDB Local",
                Some(&server.process),
                &log,
                Duration::from_secs(90),
                || http_status(port, "/shell/").is_some() || http_status(port, "/").is_some(),
            )?,
            _ => wait_until(
                &server.name,
                Some(&server.process),
                &log,
                Duration::from_secs(60),
                || accepts(port),
            )?,
        };
        eprintln!(
            "xtask: {:<8} ready on 127.0.0.1:{port} (waited {:.1}s)",
            server.name,
            took.as_secs_f64()
        );
    }
    eprintln!(
        "xtask: all servers ready in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn env_file(state: &State, venv_bin: &Path) -> String {
    let moto = state.port("moto");
    let ca = state
        .postgres
        .as_ref()
        .map(postgres::Cluster::ca_cert)
        .unwrap_or_default();
    format!(
        "# Written by `cargo xtask servers start`; read by the tests and examples.\n\
         AWS_REGION=us-east-1\n\
         AWS_ACCESS_KEY_ID=testing\n\
         AWS_SECRET_ACCESS_KEY=testing\n\
         AWS_ENDPOINT_URL=http://127.0.0.1:{moto}\n\
         AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:{dynamodb}\n\
         MOTO_URL=http://127.0.0.1:{moto}\n\
         MONGODB_URI=mongodb://127.0.0.1:{mongo}/?directConnection=true\n\
         DATABASE_URL=postgres://{user}:{password}@127.0.0.1:{pg}/postgres\n\
         UPDRAFT_PG_CA_CERT={ca}\n\
         CARGO_LAMBDA={lambda}\n\
         MOTO_SERVER={moto_server}\n",
        dynamodb = state.port("dynamodb"),
        mongo = state.port("mongo"),
        pg = state.port("postgres"),
        user = postgres::USER,
        password = postgres::PASSWORD,
        ca = ca.display(),
        lambda = venv_bin.join("cargo-lambda").display(),
        moto_server = venv_bin.join("moto_server").display(),
    )
}

/// Stops the servers of the state file, if any, and removes the env and state files.
pub fn stop(layout: &Layout) -> Result<()> {
    if let Ok(text) = std::fs::read_to_string(layout.state_file()) {
        let state = State::parse(&text);
        state.stop();
        if let Some(left) = state.servers.iter().find(|s| s.process.alive()) {
            return Err(fail(format!(
                "{} (pid {}) did not stop",
                left.name, left.process.pid
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
            s.name, s.port, s.process.pid
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        let state = State {
            servers: vec![Server {
                name: "moto".into(),
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
        assert_eq!(parsed.port("moto"), 4566);
        assert_eq!(State::parse("garbage\nserver x y z w\n").servers.len(), 0);
    }
}
