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
    function: String,
    _runtime_api: ChildGuard,
    _function: ChildGuard,
}

impl Emulator {
    /// Starts the emulator (`cargo lambda watch --only-lambda-apis`) and `binary` with the
    /// runtime variables pointing at it, plus `env`, as the emulator's default function `_`.
    ///
    /// # Panics
    ///
    /// When the local servers' env file names no cargo-lambda, or the emulator does not start.
    pub async fn start(binary: &str, env: &[(&str, &str)]) -> Self {
        Self::start_named("_", binary, env).await
    }

    /// Like [`Emulator::start`], with the function named `function`: the Invoke API at
    /// [`Emulator::lambda_endpoint`] answers for that name.
    ///
    /// # Panics
    ///
    /// As [`Emulator::start`].
    pub async fn start_named(function: &str, binary: &str, env: &[(&str, &str)]) -> Self {
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
        // The default function polls the bare runtime routes, a named one its own.
        let runtime_api = if function == "_" {
            format!("http://127.0.0.1:{port}/.rt")
        } else {
            format!("http://127.0.0.1:{port}/.rt/{function}")
        };
        let child = ChildGuard::spawn(
            binary,
            Command::new(binary)
                .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
                .env("AWS_LAMBDA_FUNCTION_NAME", function)
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
                .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
                .envs(env.iter().copied())
                .stdout(Stdio::null()),
        );
        Self {
            address,
            function: function.to_owned(),
            _runtime_api: emulator,
            _function: child,
        }
    }

    /// The Invoke API's URL, for `AWS_ENDPOINT_URL_LAMBDA` or a Lambda client's endpoint.
    #[must_use]
    pub fn lambda_endpoint(&self) -> String {
        format!("http://{}", self.address)
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
            &format!("/2015-03-31/functions/{}/invocations", self.function),
            &[],
            event,
        )
        .await
    }
}
