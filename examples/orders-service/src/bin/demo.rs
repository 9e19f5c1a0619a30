//! `orders-demo`: the whole flow on the local servers (`cargo xtask servers start`, whose
//! variables it reads from its environment), one line per hop, ending with the order's final
//! status. `cargo xtask demo` runs it.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use example_orders_service::local::{Caller, Functions, Stack, connect_event};
use example_orders_service::model::{NewOrder, status};
use example_orders_service::{Failure, main_of};
use updraft::core::Env;
use updraft::core::aws::ConfigLoader;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    main_of("orders-demo", Box::pin(run())).await
}

macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        writeln!(out, $($arg)*)?;
    }};
}

async fn run() -> Result<(), Failure> {
    let servers = Env::load()?;
    let config = ConfigLoader::new().env(servers.clone()).load().await?;
    let bins = std::env::current_exe()?
        .parent()
        .map(PathBuf::from)
        .ok_or("the demo's directory is unknown")?;
    let stack = Stack::create(&config, &servers).await?;
    say!(
        "stack {}: tables, topic -> queue (dead letters after 2 receives), secret, state `{}` active in MongoDB, a token for ann",
        stack.run,
        stack.state
    );
    let logs = std::env::temp_dir().join(format!("orders-demo-{}", stack.run));
    let outcome = flow(&stack, &servers, &config, &bins, &logs).await;
    stack.delete(&config).await?;
    if outcome.is_ok() {
        // The functions' logs are kept only when something failed.
        let _ = std::fs::remove_dir_all(&logs);
    } else {
        eprintln!("orders-demo: the functions' logs are in {}", logs.display());
    }
    outcome
}

async fn flow(
    stack: &Stack,
    servers: &Env,
    config: &updraft::core::SdkConfig,
    bins: &std::path::Path,
    logs: &std::path::Path,
) -> Result<(), Failure> {
    let mut functions = Functions::start(stack, servers, bins, logs)?;
    say!(
        "functions: orders-pricing under cargo lambda watch ({}), orders-api on {}",
        functions.lambda_url,
        functions.api_url
    );
    let ann = Caller::new(&functions.api_url, &stack.token, &stack.state)?;
    let new = NewOrder {
        item: "standing desk".into(),
        quantity: 3,
        unit_cents: 45_000,
    };
    let order = ann.create("demo-key-1", &new).await?;
    say!(
        "1. POST /orders (Idempotency-Key demo-key-1, state {}): {} {} total {} cents, OrderCreated published",
        stack.state,
        order.id,
        order.status,
        order.total_cents
    );
    let again = ann.create("demo-key-1", &new).await?;
    say!(
        "   the same POST again: {} (the stored answer; no second order)",
        again.id
    );
    let event = connect_event(
        "$connect",
        "conn-demo-1",
        &[("order", &order.id)],
        &[
            ("Authorization", &format!("Bearer {}", stack.token)),
            ("constitution-state", &stack.state),
        ],
    );
    let answer = functions.invoke_websocket(&event)?;
    say!(
        "2. websocket $connect ?order={}: {} (subscribed)",
        order.id,
        answer["statusCode"]
    );
    functions.start_consumer()?;
    let confirmed = ann
        .wait_for(&order.id, status::REPORTED, Duration::from_secs(60))
        .await;
    functions.check()?;
    let confirmed = confirmed?;
    say!(
        "3. consumer: tax {} cents from orders-pricing (state {}), signed with the secret, stored in PostgreSQL",
        confirmed.tax_cents.unwrap_or_default(),
        stack.state
    );
    let rows = stack.stored(config, &order.id).await?;
    for row in &rows {
        say!(
            "   postgres row: state {} tax {} signature {}…",
            row.state,
            row.tax_cents,
            row.signature.get(..16).unwrap_or_default()
        );
    }
    let consumer_log = functions.log("orders-consumer");
    let pushes = consumer_log.matches("status pushed").count();
    let metrics = consumer_log.matches("\"OrdersConfirmed\":1").count();
    say!(
        "   {pushes} status changes pushed to the subscriber; {metrics} EMF document with OrdersConfirmed"
    );
    say!(
        "4. report task {} (fargate local mode) ran",
        confirmed.report_task.as_deref().unwrap_or("(none)")
    );
    for report in stack.reports(servers, &stack.state, &order.id).await? {
        say!(
            "   report in MongoDB database `{}`: {} x{} grand total {} cents",
            stack.state,
            report.item,
            report.quantity,
            report.grand_total_cents
        );
    }
    let last = ann.get(&order.id).await?;
    say!("5. GET /orders/{}: status {}", last.id, last.status);
    Ok(())
}
