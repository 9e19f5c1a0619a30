//! The handler of the `sqs-consumer` example, as a library so its tests share it.

use serde::Deserialize;
use updraft::contexts::sqs::Record;

/// The body of each record.
#[derive(Debug, Deserialize)]
pub struct Job {
    /// The job's id.
    pub id: String,
    /// Whether the job should fail.
    pub fail: bool,
}

/// Fails when `fail` is true; a body that is not a `Job` never gets here (it fails in decoding).
///
/// # Errors
///
/// When the job asks to fail.
#[allow(
    clippy::unused_async,
    reason = "a handler is an async function, whether or not it awaits"
)]
pub async fn handle(record: Record<Job>) -> Result<(), String> {
    if record.body.fail {
        return Err(format!("job {} asked to fail", record.body.id));
    }
    tracing::info!(job = %record.body.id, state = ?record.session().state, "job done");
    Ok(())
}
