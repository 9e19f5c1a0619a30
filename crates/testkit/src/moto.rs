//! A moto server of a test's own, for tests that stop the server on purpose.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{ChildGuard, free_port, servers_env, wait_for_port};

/// The variable of the servers' env file that names the `moto_server` program.
pub const MOTO_SERVER_VAR: &str = "MOTO_SERVER";

/// A `moto_server` on a free port of 127.0.0.1, stopped when dropped or by [`PrivateMoto::stop`].
#[derive(Debug)]
pub struct PrivateMoto {
    guard: ChildGuard,
    url: String,
}

impl PrivateMoto {
    /// Starts one and waits until it listens.
    ///
    /// # Panics
    ///
    /// When the servers' env file does not name `moto_server`, or it does not start in 30 s.
    pub async fn start() -> Self {
        let env = servers_env();
        let Some(program) = env.non_empty(MOTO_SERVER_VAR) else {
            panic!(
                "the servers' env file has no {MOTO_SERVER_VAR}; run `cargo xtask servers start`"
            );
        };
        let port = free_port();
        let mut command = Command::new(program);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let guard = ChildGuard::spawn("moto_server", &mut command);
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(
            wait_for_port(address, Duration::from_secs(30)).await,
            "the private moto_server did not listen on {address}"
        );
        Self {
            guard,
            url: format!("http://{address}"),
        }
    }

    /// Its URL, for `AWS_ENDPOINT_URL`.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// An AWS configuration that reaches it, with one attempt per call and short timeouts, so
    /// a test sees at once when it is gone.
    ///
    /// # Panics
    ///
    /// When the servers' env file does not configure AWS.
    #[cfg(feature = "aws")]
    #[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
    pub async fn aws_config(&self) -> updraft_core::SdkConfig {
        let loaded = updraft_core::aws::ConfigLoader::new()
            .env(servers_env())
            .endpoint_url(&self.url)
            .max_attempts(1)
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_secs(5))
            .load()
            .await;
        match loaded {
            Ok(config) => config,
            Err(e) => panic!("the private moto's configuration does not load: {e}"),
        }
    }

    /// Stops it now.
    pub fn stop(self) {
        self.guard.stop();
    }
}
