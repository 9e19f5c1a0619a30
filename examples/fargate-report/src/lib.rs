//! The `fargate-report` example: a launcher Lambda and the task it launches, as a library so
//! the tests share them.

use serde::{Deserialize, Serialize};
use updraft::core::error::{Kind, Surface};
use updraft::fargate::{Executor, Task, TaskContext};

/// The task definition and container the launcher starts.
pub const TASK: &str = "fargate-report";

/// The launcher's `data`: the towns to report on.
#[derive(Debug, Deserialize)]
pub struct Towns {
    /// One task per town.
    pub towns: Vec<String>,
}

/// The launcher's answer: the ARN of each town's task, in the order of the towns.
#[derive(Debug, Serialize)]
pub struct Launched {
    /// The task ARNs.
    pub tasks: Vec<String>,
}

/// Why the launch failed: the first town whose task did not start.
#[derive(Debug, thiserror::Error)]
#[error("the task for town {index} did not start: {source}")]
pub struct LaunchFailed {
    index: usize,
    #[source]
    source: updraft::fargate::Error,
}

impl Surface for LaunchFailed {
    fn kind(&self) -> Kind {
        self.source.kind()
    }
    fn error_type(&self) -> &'static str {
        self.source.error_type()
    }
}

/// Launches one task per town, with `TOWN` set, under the invocation's session.
///
/// # Errors
///
/// The first town whose task did not start (the others that did are logged).
pub async fn launch(executor: &Executor, towns: Towns) -> Result<Launched, LaunchFailed> {
    let results = executor
        .run_batch(
            TASK,
            towns.towns.iter().map(|town| [("TOWN", town.as_str())]),
        )
        .await;
    let mut tasks = Vec::with_capacity(results.len());
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok(arn) => tasks.push(arn),
            Err(source) => {
                tracing::error!(launched = ?tasks, "a task did not start");
                return Err(LaunchFailed { index, source });
            }
        }
    }
    Ok(Launched { tasks })
}

/// The report task: requires `TOWN`, logs its session's state, exits 0.
#[derive(Debug)]
pub struct Report;

impl Task for Report {
    type Error = updraft::core::Error;

    async fn execute(&self, ctx: &TaskContext) -> Result<(), Self::Error> {
        let town = ctx.require_env("TOWN")?;
        let state = ctx.session().and_then(|s| s.state.as_deref());
        tracing::info!(town, state, "the report for this town is written");
        Ok(())
    }
}
