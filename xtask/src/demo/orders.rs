//! The demo's last step: `examples/orders-service` end to end (`orders-demo`).

use std::process::Command;

use crate::Result;
use crate::servers::{Guard, Layout};

/// Builds the example's binaries and runs `orders-demo` against the servers; it starts the
/// functions itself (the pricing function under cargo-lambda's emulator, the report task in
/// fargate's local mode) and stops them before it exits.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn orders_service(layout: &Layout, servers: &Guard) -> Result<()> {
    println!(
        "\n19. orders-service: examples/orders-service, an order through the HTTP API, SNS, SQS, the pricing function, PostgreSQL, a Fargate report task, MongoDB and websocket pushes"
    );
    let binaries = super::build(layout, &["example-orders-service"])?;
    super::narrate(
        "orders-demo",
        Command::new(binaries.join("orders-demo"))
            .current_dir(&layout.servers)
            .envs(servers.vars.iter().map(|(k, v)| (k, v))),
    )
}
