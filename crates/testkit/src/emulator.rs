//! A function binary under cargo-lambda's Lambda emulator, for end-to-end tests of handlers
//! through the real `lambda_runtime` loop.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{ChildGuard, Reply, free_port, request, servers_env, wait_for_port};

/// cargo-lambda's runtime API emulator and one function binary connected to it; both stop
/// when this is dropped.
#[derive(Debug)]
pub struct Emulator {
    address: SocketAddr,
    _runtime_api: ChildGuard,
    _function: ChildGuard,
}

impl Emulator {
    /// Starts the emulator (`cargo lambda watch --only-lambda-apis`) and `binary` with the
    /// runtime variables pointing at it, plus `env`.
    ///
    /// # Panics
    ///
    /// When the local servers' env file names no cargo-lambda, or the emulator does not start.
    pub async fn start(binary: &str, env: &[(&str, &str)]) -> Self {
        let servers = servers_env();
        let cargo_lambda = match servers.require("CARGO_LAMBDA") {
            Ok(path) => path.to_owned(),
            Err(e) => panic!("cargo-lambda is not installed: {e}"),
        };
        let port = free_port();
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        // cargo-lambda reads the workspace's metadata, so it runs in the test's package.
        let package = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
        let emulator = ChildGuard::spawn(
            "cargo lambda watch",
            Command::new(&cargo_lambda)
                .args([
                    "lambda",
                    "watch",
                    "--only-lambda-apis",
                    "-A",
                    "127.0.0.1",
                    "-P",
                    &port.to_string(),
                ])
                .current_dir(package)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        assert!(
            wait_for_port(address, Duration::from_secs(30)).await,
            "the Lambda emulator did not start"
        );
        let function = ChildGuard::spawn(
            binary,
            Command::new(binary)
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://127.0.0.1:{port}/.rt"),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", "_")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
                .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
                .envs(env.iter().copied())
                .stdout(Stdio::null()),
        );
        Self {
            address,
            _runtime_api: emulator,
            _function: function,
        }
    }

    /// Invokes the function with `event` through the emulator's Invoke API.
    ///
    /// # Panics
    ///
    /// When the emulator does not answer.
    pub async fn invoke(&self, event: &[u8]) -> Reply {
        request(
            self.address,
            "POST",
            "/2015-03-31/functions/_/invocations",
            &[],
            event,
        )
        .await
    }
}
