//! `cargo xtask demo`: the tour of the toolkit against the local servers.
//!
//! 1. `examples/quickstart`: configuration, a signed raw AWS call, the session;
//! 2. `examples/http-api` run locally, with every route called.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{self, free_port, http, wait_until};
use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Starts the servers (unless running), runs the tour against them, stops them.
pub fn run(layout: &Layout) -> Result<()> {
    let servers = Guard::acquire(layout)?;
    eprintln!("xtask: running examples/quickstart against the local servers");
    let status = Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args(["run", "--quiet", "-p", "example-quickstart"])
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .status()?;
    if !status.success() {
        return Err(fail(format!("the quickstart exited with {status}")));
    }
    http_api(layout)?;
    drop(servers);
    #[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
    {
        println!("\ndone.");
    }
    Ok(())
}

/// Starts `examples/http-api` on a free port and calls each of its routes.
fn http_api(layout: &Layout) -> Result<()> {
    #[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
    fn say(text: &str) {
        println!("{text}");
    }
    let port = free_port()?;
    say(&format!(
        "\n4. the HTTP context: examples/http-api served locally on 127.0.0.1:{port}"
    ));
    let log = layout.servers.join("logs/http-api.log");
    std::fs::create_dir_all(layout.servers.join("logs"))?;
    run_quiet(Command::new(env!("CARGO")).current_dir(&layout.root).args([
        "build",
        "--quiet",
        "-p",
        "example-http-api",
    ]))?;
    let binary = layout
        .servers
        .parent()
        .unwrap_or(&layout.root)
        .join("debug/http-api");
    let mut command = Command::new(binary);
    command
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn");
    let server = process::spawn(command, &log)?;
    let ready = wait_until(
        "http-api",
        Some(&server),
        &log,
        Duration::from_secs(30),
        || process::accepts(port),
    );
    let outcome = ready.and_then(|_| call_routes(port, say));
    server.stop(Duration::from_secs(5));
    outcome
}

/// A method, a path, headers and a body.
type Call<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);

fn call_routes(port: u16, say: fn(&str)) -> Result<()> {
    let json = [("content-type", "application/json")];
    let calls: [Call<'_>; 7] = [
        ("GET", "/hello/world", &[], ""),
        (
            "POST",
            "/orders",
            &[
                ("content-type", "application/json"),
                ("x-state", "connecticut"),
            ],
            r#"{"item": "tea", "quantity": 2}"#,
        ),
        (
            "POST",
            "/orders",
            &json,
            r#"{"item": "", "quantity": 5000}"#,
        ),
        ("POST", "/orders", &json, r#"{"item": "#),
        ("GET", "/panic", &[], ""),
        ("GET", "/hello/again", &[], ""),
        ("GET", "/no/such/route", &[], ""),
    ];
    for (method, path, headers, body) in calls {
        let (status, answer) = http(port, method, path, headers, body)
            .ok_or_else(|| fail(format!("{method} {path}: no answer")))?;
        let sent = if body.is_empty() {
            String::new()
        } else {
            format!(" {body}")
        };
        say(&format!(
            "   {method:<4} {path:<16}{sent}\n        -> {status} {}",
            answer.trim()
        ));
    }
    Ok(())
}

fn run_quiet(command: &mut Command) -> Result<()> {
    let status = command.stdout(Stdio::null()).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("{command:?} failed: {status}")))
    }
}
