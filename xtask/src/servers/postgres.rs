//! A throwaway PostgreSQL cluster on 127.0.0.1 with TLS and SCRAM passwords.
//!
//! PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` user
//! and lives in a temporary directory that user can reach (a checkout under `/root` is not).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Tracked, run};
use crate::servers::install::is_root;
use crate::{Result, fail};

/// The superuser of the test cluster, and its password.
pub const USER: &str = "updraft";
/// The password of [`USER`]. The cluster only listens on 127.0.0.1 and lives for one run.
pub const PASSWORD: &str = "updraft";

/// A cluster's files.
#[derive(Debug, Clone)]
pub struct Cluster {
    bin: PathBuf,
    /// The directory of the data, socket, certificate and log.
    pub base: PathBuf,
}

impl Cluster {
    /// The cluster for the servers directory `servers`.
    pub fn new(bin: PathBuf, servers: &Path) -> Self {
        let base = if is_root() {
            let tag = crate::servers::install_stamp(&servers.to_string_lossy());
            std::env::temp_dir().join(format!("updraft-postgres-{tag}"))
        } else {
            servers.join("postgres")
        };
        Self { bin, base }
    }

    /// A cluster whose files are at `base`, as recorded in the state file.
    pub fn at(bin: PathBuf, base: PathBuf) -> Self {
        Self { bin, base }
    }

    /// The PostgreSQL `bin/` directory.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    fn data(&self) -> PathBuf {
        self.base.join("data")
    }

    /// The test CA that signed the server's certificate: what clients verify the server with.
    pub fn ca_cert(&self) -> PathBuf {
        self.base.join("ca.crt")
    }

    /// Makes a test CA and a server certificate it signs (SAN `localhost`, `127.0.0.1`; not a
    /// CA itself, as verifying clients such as rustls require), unless they exist.
    fn certificates(&self) -> Result<()> {
        if self.ca_cert().is_file() && self.base.join("server.crt").is_file() {
            return Ok(());
        }
        let base = &self.base;
        let openssl = |args: &[&str]| {
            run(Command::new("openssl").current_dir(base).args(args)).map_err(|e| {
                fail(format!("{e}\nopenssl is needed for the PostgreSQL TLS certificates: `apt-get install -y openssl`"))
            })
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=Updraft test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ])?;
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ])?;
        std::fs::write(
            base.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ])?;
        run(Command::new("chmod")
            .arg("600")
            .arg(base.join("server.key"))
            .arg(base.join("ca.key")))?;
        if is_root() {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(base))?;
        }
        Ok(())
    }

    /// The server log.
    pub fn log(&self) -> PathBuf {
        self.base.join("postgres.log")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Creates the cluster and its certificates unless they exist.
    fn init(&self) -> Result<()> {
        if self.data().join("PG_VERSION").is_file() {
            return self.certificates();
        }
        eprintln!(
            "xtask: creating a PostgreSQL cluster in {}",
            self.base.display()
        );
        if self.base.exists() {
            std::fs::remove_dir_all(&self.base)?;
        }
        std::fs::create_dir_all(&self.base)?;
        let pwfile = self.base.join("pwfile");
        std::fs::write(&pwfile, PASSWORD)?;
        self.certificates()?;
        run(self
            .command("initdb")
            .arg("-D")
            .arg(self.data())
            .args([
                "-U",
                USER,
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
            ])
            .args(["-E", "UTF8", "--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display())))?;
        std::fs::remove_file(pwfile)?;
        Ok(())
    }

    /// Starts the cluster on `port` and returns its postmaster.
    pub fn start(&self, port: u16) -> Result<Tracked> {
        self.init()?;
        // A postmaster left by an interrupted run holds this cluster: stop it first.
        if self.postmaster().is_some() {
            let _ = self.stop_cluster("immediate");
        }
        let base = self.base.display();
        let options = format!(
            "-p {port} -k {base} -c listen_addresses=127.0.0.1 -c ssl=on \
             -c ssl_cert_file={base}/server.crt -c ssl_key_file={base}/server.key \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        );
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "-o", &options, "start"]))?;
        self.postmaster().ok_or_else(|| {
            fail(format!(
                "PostgreSQL did not start; see {}",
                self.log().display()
            ))
        })
    }

    fn postmaster(&self) -> Option<Tracked> {
        let text = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        Tracked::of(text.lines().next()?.trim().parse().ok()?)
    }

    fn stop_cluster(&self, mode: &str) -> Result<String> {
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", mode, "-w", "-t", "30", "stop"]))
    }

    /// Stops the postmaster `tracked`: a fast shutdown, then signals if it lingers.
    pub fn stop(&self, tracked: &Tracked) {
        if tracked.alive() {
            let _ = self.stop_cluster("fast");
        }
        tracked.stop(Duration::from_secs(10));
    }
}
