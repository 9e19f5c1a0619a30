//! The demo's service-calls step: `examples/service-calls` invokes `invoke-sum` under
//! cargo-lambda's emulator and calls `http-api` served locally.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::{self, Tracked, free_port};
use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Starts the emulator with `invoke-sum` and the `http-api` server, runs `service-calls`
/// against them and shows its lines; stops all three whatever happens.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn service_calls(layout: &Layout, servers: &Guard) -> Result<()> {
    let binaries = super::build(
        layout,
        &[
            "example-invoke-sum",
            "example-http-api",
            "example-service-calls",
        ],
    )?;
    let cargo_lambda = servers
        .vars
        .iter()
        .find(|(k, _)| k == "CARGO_LAMBDA")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| fail("the servers' env has no CARGO_LAMBDA"))?;
    let logs = layout.servers.join("logs");
    std::fs::create_dir_all(&logs)?;
    let (lambda_port, api_port) = (free_port()?, free_port()?);
    println!(
        "\n14. service calls: examples/service-calls invokes invoke-sum under `cargo lambda watch` (127.0.0.1:{lambda_port}) and calls http-api (127.0.0.1:{api_port})"
    );
    let mut started: Vec<Tracked> = Vec::new();
    let outcome = run(
        layout,
        servers,
        &binaries,
        &cargo_lambda,
        &logs,
        (lambda_port, api_port),
        &mut started,
    );
    for process in &started {
        process.stop(Duration::from_secs(5));
    }
    outcome
}

#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn run(
    layout: &Layout,
    servers: &Guard,
    binaries: &Path,
    cargo_lambda: &str,
    logs: &Path,
    (lambda_port, api_port): (u16, u16),
    started: &mut Vec<Tracked>,
) -> Result<()> {
    let emulator_log = logs.join("lambda-emulator.log");
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
        .current_dir(layout.root.join("examples/invoke-sum"));
    started.push(super::start_listening(
        "cargo lambda watch",
        emulator,
        &emulator_log,
        lambda_port,
        Duration::from_secs(60),
    )?);
    let mut function = Command::new(binaries.join("invoke-sum"));
    function
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{lambda_port}/.rt/invoke-sum"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "invoke-sum")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_LEVEL", "WARN");
    started.push(process::spawn(function, &logs.join("invoke-sum.log"))?);
    let api_log = logs.join("http-api.log");
    let mut api = Command::new(binaries.join("http-api"));
    api.env("PORT", api_port.to_string())
        .env("RUST_LOG", "warn");
    started.push(super::start_listening(
        "http-api",
        api,
        &api_log,
        api_port,
        Duration::from_secs(30),
    )?);
    let output = Command::new(binaries.join("service-calls"))
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .env("SUM_FUNCTION", "invoke-sum")
        .env(
            "AWS_ENDPOINT_URL_LAMBDA",
            format!("http://127.0.0.1:{lambda_port}"),
        )
        .env(
            "MICROSERVICE_URLS",
            format!(r#"{{"greeter": "http://127.0.0.1:{api_port}"}}"#),
        )
        .env("INTER_SERVICE_TOKEN", "demo-token")
        .current_dir(&layout.servers)
        .output()?;
    if !output.status.success() {
        return Err(fail(format!(
            "service-calls exited with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        println!("   {line}");
    }
    Ok(())
}
