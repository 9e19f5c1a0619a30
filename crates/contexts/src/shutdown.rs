//! The signal that stops a long-running local mode (the HTTP server, the SQS poller): core's
//! [`updraft_core::shutdown::signal`], logged.

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn signal() {
    let signal = updraft_core::shutdown::signal().await;
    tracing::info!(?signal, "shutting down");
}
