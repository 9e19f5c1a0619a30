//! Spawning the servers and waiting until each is ready; their start-ups overlap.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Kind, Layout, Server, State, postgres};
use crate::Result;
use crate::process::{self, free_port, wait_until};

/// Spawns every server into `state`, slow ones first, then waits for each.
pub(super) fn start_all(
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
    let process = process::spawn(java, &layout.log(Kind::DynamoDb))?;
    state.servers.push(Server {
        kind: Kind::DynamoDb,
        port,
        process,
    });

    let port = free_port()?;
    let mut moto = Command::new(venv_bin.join("moto_server"));
    moto.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let process = process::spawn(moto, &layout.log(Kind::Moto))?;
    state.servers.push(Server {
        kind: Kind::Moto,
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
    let process = process::spawn(mongo, &layout.log(Kind::Mongo))?;
    state.servers.push(Server {
        kind: Kind::Mongo,
        port,
        process,
    });

    let cluster = postgres::Cluster::new(pg_bin, &layout.servers);
    let port = free_port()?;
    state.postgres = Some(cluster.clone());
    let process = cluster.start(port)?;
    state.servers.push(Server {
        kind: Kind::Postgres,
        port,
        process,
    });

    for server in &state.servers {
        let (kind, port) = (server.kind, server.port);
        let log = if kind == Kind::Postgres {
            cluster.log()
        } else {
            layout.log(kind)
        };
        let took = wait_until(
            kind.label(),
            Some(&server.process),
            &log,
            kind.start_timeout(),
            || kind.is_ready(port),
        )?;
        eprintln!(
            "xtask: {:<8} ready on 127.0.0.1:{port} (waited {:.1}s)",
            kind.name(),
            took.as_secs_f64()
        );
    }
    eprintln!(
        "xtask: all servers ready in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
