//! The demo's idempotency step: `examples/idempotent-payments` on DynamoDB Local, paid twice
//! with one `Idempotency-Key`, then with the same key and another amount.

use std::process::Command;
use std::time::Duration;

use crate::process::{free_port, http};
use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Starts the example on a free port, sends the payments and shows each answer.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn idempotent_payments(layout: &Layout, servers: &Guard) -> Result<()> {
    let binaries = super::build(layout, &["example-idempotent-payments"])?;
    let port = free_port()?;
    println!(
        "\n15. idempotency: examples/idempotent-payments on 127.0.0.1:{port}, one Idempotency-Key sent three times"
    );
    let logs = layout.servers.join("logs");
    std::fs::create_dir_all(&logs)?;
    let log = logs.join("idempotent-payments.log");
    let run = std::process::id();
    let mut command = Command::new(binaries.join("idempotent-payments"));
    command
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .env("PORT", port.to_string())
        .env("PAYMENTS_TABLE", format!("DemoPayments-{run}"))
        .env("IDEMPOTENCY_TABLE", format!("DemoIdempotency-{run}"))
        .env("UPDRAFT_CREATE_TABLES", "true")
        .env("RUST_LOG", "warn")
        .current_dir(&layout.servers);
    let server = super::start_listening(
        "idempotent-payments",
        command,
        &log,
        port,
        Duration::from_secs(60),
    )?;
    let outcome = pay(port);
    server.stop(Duration::from_secs(5));
    outcome
}

#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn pay(port: u16) -> Result<()> {
    let key = format!("demo-{}", std::process::id());
    for (what, body) in [
        ("first", r#"{"amount": 500}"#),
        ("retry", r#"{"amount": 500}"#),
        ("reused key", r#"{"amount": 900}"#),
    ] {
        let headers = [
            ("content-type", "application/json"),
            ("idempotency-key", key.as_str()),
        ];
        let (status, answer) = http(port, "POST", "/payments", &headers, body)
            .ok_or_else(|| fail("POST /payments: no answer"))?;
        println!(
            "   {what:<10} POST /payments {body}\n        -> {status} {}",
            answer.trim()
        );
    }
    Ok(())
}
