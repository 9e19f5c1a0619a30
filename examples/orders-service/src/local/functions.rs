//! The functions as processes: `orders-pricing` under cargo-lambda's Lambda emulator, the API
//! on a local port, the consumer long-polling the queue (launching `orders-report` as a child
//! in fargate's local mode), and `orders-websocket` run once per event.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use updraft::core::Env;

use super::Stack;
use crate::Failure;

/// The running functions; each process is killed when this is dropped.
#[derive(Debug)]
pub struct Functions {
    children: Vec<(String, Child)>,
    bins: PathBuf,
    env: Vec<(String, String)>,
    /// The API's base URL.
    pub api_url: String,
    /// The emulator's Invoke API, for `AWS_ENDPOINT_URL_LAMBDA`.
    pub lambda_url: String,
    /// Where each process's output goes (`<name>.log`).
    pub logs: PathBuf,
}

impl Functions {
    /// Starts the emulator with `orders-pricing`, and `orders-api`, from `bins`, with the
    /// servers' variables (`servers`), the stack's, and their output in `logs`; waits until the
    /// API and the emulator accept connections. [`Functions::start_consumer`] starts the
    /// consumer.
    ///
    /// # Errors
    ///
    /// A binary that does not start, or a port that does not open within 60 s.
    pub fn start(stack: &Stack, servers: &Env, bins: &Path, logs: &Path) -> Result<Self, Failure> {
        std::fs::create_dir_all(logs)?;
        let lambda_port = free_port()?;
        let mut env: Vec<(String, String)> = servers
            .added()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        env.extend(stack.vars().iter().cloned());
        env.push((
            "AWS_ENDPOINT_URL_LAMBDA".to_owned(),
            format!("http://127.0.0.1:{lambda_port}"),
        ));
        let mut functions = Self {
            children: Vec::new(),
            bins: bins.to_owned(),
            env,
            api_url: String::new(),
            lambda_url: String::new(),
            logs: logs.to_owned(),
        };
        let cargo_lambda = servers.require("CARGO_LAMBDA")?;
        // cargo-lambda reads the package's metadata, so it runs in the package.
        let mut emulator = Command::new(cargo_lambda);
        emulator
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(lambda_port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        functions.spawn("emulator", emulator)?;
        wait_for_port(lambda_port, Duration::from_secs(60))?;
        functions.lambda_url = format!("http://127.0.0.1:{lambda_port}");

        let mut pricing = functions.command("orders-pricing");
        pricing
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{lambda_port}/.rt/orders-pricing"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "orders-pricing")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        functions.spawn("orders-pricing", pricing)?;

        let api_port = free_port()?;
        let mut api = functions.command("orders-api");
        api.env("PORT", api_port.to_string());
        functions.spawn("orders-api", api)?;
        wait_for_port(api_port, Duration::from_secs(60))?;
        functions.api_url = format!("http://127.0.0.1:{api_port}");
        Ok(functions)
    }

    /// Starts `orders-consumer`, long-polling the stack's queue.
    ///
    /// # Errors
    ///
    /// A binary that does not start.
    pub fn start_consumer(&mut self) -> Result<(), Failure> {
        let consumer = self.command("orders-consumer");
        self.spawn("orders-consumer", consumer)
    }

    /// Binary `name` with the functions' variables.
    fn command(&self, name: &str) -> Command {
        let mut command = Command::new(self.bins.join(name));
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `orders-websocket` once on `event`, as the CLI context does outside Lambda, and
    /// returns its answer.
    ///
    /// # Errors
    ///
    /// A binary that does not run, or an answer that is not JSON.
    pub fn invoke_websocket(&self, event: &Value) -> Result<Value, Failure> {
        use std::io::Write as _;
        let mut child = self
            .command("orders-websocket")
            .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(event.to_string().as_bytes())?;
        }
        let output = child.wait_with_output()?;
        if !output.status.success() {
            return Err(format!(
                "orders-websocket exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(serde_json::from_slice(&output.stdout)?)
    }

    fn spawn(&mut self, name: &str, mut command: Command) -> Result<(), Failure> {
        let log = File::create(self.logs.join(format!("{name}.log")))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{name} did not start: {e}"))?;
        self.children.push((name.to_owned(), child));
        Ok(())
    }

    /// What function `name` wrote so far.
    #[must_use]
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Whether every process is still running; names the first that exited.
    ///
    /// # Errors
    ///
    /// The name of a process that exited, with its status.
    pub fn check(&mut self) -> Result<(), Failure> {
        for (name, child) in &mut self.children {
            if let Some(status) = child.try_wait()? {
                return Err(format!("{name} exited with {status}").into());
            }
        }
        Ok(())
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A websocket event of `route` (`$connect`, `$disconnect`) on connection `connection`, with
/// `query` and `headers`, as API Gateway sends it.
#[must_use]
pub fn connect_event(
    route: &str,
    connection: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Value {
    let kind = if route == "$connect" {
        "CONNECT"
    } else {
        "DISCONNECT"
    };
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
    };
    json!({
        "headers": map(headers),
        "multiValueHeaders": {},
        "queryStringParameters": map(query),
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "extendedRequestId": "local",
            "requestTime": "04/Dec/2026:10:00:00 +0000",
            "messageDirection": "IN",
            "stage": "$default",
            "connectedAt": 1_796_378_400_000_u64,
            "requestTimeEpoch": 1_796_378_400_000_u64,
            "identity": {"sourceIp": "127.0.0.1"},
            "requestId": "local-request",
            "domainName": "ws.orders.local",
            "connectionId": connection,
            "apiId": "local"
        },
        "isBase64Encoded": false
    })
}

fn free_port() -> Result<u16, Failure> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<(), Failure> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while started.elapsed() < timeout {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on port {port} after {timeout:?}").into())
}
