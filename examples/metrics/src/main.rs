//! `metrics`: `{"data": {"orders": n}}` in, `{"success": true, "data": {"recorded": n}}` out,
//! and an EMF document with `OrdersPlaced` on stdout; in Lambda, or outside it on an event file
//! or stdin.

use std::process::ExitCode;

use updraft::metrics::Metrics;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "the reason the function cannot start")]
            {
                eprintln!("metrics: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // UPDRAFT_METRICS_NAMESPACE, UPDRAFT_SERVICE_NAME and UPDRAFT_METRICS_COLD_START, checked
    // at start: a missing namespace fails here rather than dropping every metric later.
    Metrics::from_env()?.install()?;
    updraft::contexts::invoke::handler(example_metrics::place)
        .session_optional()
        .run()
        .await?;
    Ok(())
}
