//! The task side: the entry point of a Fargate task binary.
//!
//! [`run`] reads the configuration, sets up logging as the Lambda contexts do (JSON on ECS),
//! makes the `SESSION` the launcher sent current for the whole run, calls
//! [`Task::execute`], and turns the outcome into the process exit code:
//!
//! | exit code | when |
//! |---|---|
//! | 0 | `execute` returned `Ok` |
//! | 78 (`EX_CONFIG`) | a malformed `.env`, logging variable or `UPDRAFT_FARGATE_STOP_TIMEOUT`; a variable `execute` requires is missing |
//! | 65 (`EX_DATAERR`) | a malformed `SESSION` |
//! | the error's [`Kind::exit_code`](updraft_core::Kind::exit_code) | `execute` returned an error: 65 bad input, 69 unavailable, 70 internal, 75 throttled or timed out, 77 refused, 78 configuration |
//! | 101 ([`exit::PANIC`]) | `execute` panicked (the panic is logged as one line) |
//! | 143 ([`exit::TERMINATED`]), 130 ([`exit::INTERRUPTED`]) | SIGTERM (ECS stopping the task) or Ctrl-C arrived before `execute` finished |
//!
//! On SIGTERM the task's [`TaskContext::cancelled`] completes; `execute` gets
//! `UPDRAFT_FARGATE_STOP_TIMEOUT` (default 25 s, inside ECS's default stop timeout of 30 s)
//! to return, and is then dropped.

mod context;
mod metadata;

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::watch;
use tracing::Instrument;
use updraft_core::error::{Report, Surface};
use updraft_core::invocation::{Invocation, TRACE_ENV_VAR, TraceHeader};
use updraft_core::{Env, Session};

pub use context::TaskContext;
pub use metadata::METADATA_VAR;

/// The exit codes of [`run`] that are not an error's kind.
pub mod exit {
    /// `execute` returned `Ok`.
    pub const SUCCESS: u8 = 0;
    /// `execute` panicked (Rust's own exit code for a panic).
    pub const PANIC: u8 = 101;
    /// SIGTERM stopped the task: 128 + 15, as a shell reports it.
    pub const TERMINATED: u8 = 143;
    /// Ctrl-C (SIGINT) stopped the task: 128 + 2.
    pub const INTERRUPTED: u8 = 130;
}

/// The variable that sets how long `execute` gets to return after SIGTERM.
pub const STOP_TIMEOUT_VAR: &str = "UPDRAFT_FARGATE_STOP_TIMEOUT";

/// The default of [`STOP_TIMEOUT_VAR`]: inside ECS's default stop timeout of 30 s.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(25);

/// A Fargate task: the work one container does, from start to exit.
///
/// # Example
///
/// ```
/// use updraft_core::Error;
/// use updraft_fargate::{Task, TaskContext};
///
/// struct Report;
///
/// impl Task for Report {
///     type Error = Error;
///
///     async fn execute(&self, ctx: &TaskContext) -> Result<(), Error> {
///         let town = ctx.require_env("TOWN")?;
///         tracing::info!(town, "writing the report");
///         Ok(())
///     }
/// }
/// ```
pub trait Task: Send + Sync + 'static {
    /// What `execute` fails with; its [`Surface::kind`] decides the exit code.
    type Error: Surface + Send + 'static;

    /// Does the task's work. Long work should watch [`TaskContext::cancelled`].
    fn execute(&self, ctx: &TaskContext) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Runs `task` as the process's one job and returns the exit code for `main` (see the module
/// docs for the codes).
///
/// # Example
///
/// ```no_run
/// # use updraft_fargate::{Task, TaskContext};
/// # struct Report;
/// # impl Task for Report {
/// #     type Error = updraft_core::Error;
/// #     async fn execute(&self, _: &TaskContext) -> Result<(), Self::Error> { Ok(()) }
/// # }
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     updraft_fargate::run(Report).await
/// }
/// ```
pub async fn run<T: Task>(task: T) -> ExitCode {
    let env = match Env::load() {
        Ok(env) => env,
        Err(e) => return early_exit(&e),
    };
    if let Err(e) = updraft_core::logging::init(&env) {
        return early_exit(&e);
    }
    let session = match Session::from_env(&env) {
        Ok(session) => session,
        Err(e) => {
            tracing::error!(error = %e, error_type = e.error_type(), "the task cannot start");
            return code(e.kind().exit_code());
        }
    };
    let stop_timeout = match env.duration(STOP_TIMEOUT_VAR) {
        Ok(timeout) => timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
        Err(e) => {
            tracing::error!(error = %e, error_type = e.error_type(), "the task cannot start");
            return code(e.kind().exit_code());
        }
    };
    let task_arn = metadata::task_arn(&env).await;
    let span = tracing::info_span!(
        "task",
        task = short_type_name::<T>(),
        task_arn = task_arn.as_deref(),
        state = session.as_ref().and_then(|s| s.state.as_deref()),
    );
    let trace = launcher_trace(&env);
    let (cancel, cancelled) = watch::channel(false);
    let ctx = TaskContext::running(env, session.clone(), task_arn, cancelled);
    let work = async move {
        tracing::info!("task started");
        task.execute(&ctx).await
    };
    // The task is one unit of work: the trace the launcher passed on is its invocation's.
    let work = Invocation::new()
        .with_trace(trace)
        .with_cold_start(true)
        .scope(work);
    let mut handle = match session {
        Some(session) => tokio::spawn(session.scope(work).instrument(span.clone())),
        None => tokio::spawn(work.instrument(span.clone())),
    };
    let supervise = async move {
        tokio::select! {
            joined = &mut handle => outcome(joined),
            signal = updraft_core::shutdown::signal() => {
                tracing::warn!(?signal, ?stop_timeout, "asked to stop: cancelling the task");
                let _ = cancel.send(true);
                if let Ok(joined) = tokio::time::timeout(stop_timeout, &mut handle).await {
                    outcome(joined);
                } else {
                    handle.abort();
                    tracing::error!(?stop_timeout, "the task did not return in time after the signal; dropped it");
                }
                ExitCode::from(signal.exit_code())
            }
        }
    };
    supervise.instrument(span).await
}

/// The trace header the launcher passed on in `_X_AMZN_TRACE_ID`; a malformed one is logged
/// and ignored rather than sent on.
fn launcher_trace(env: &Env) -> Option<TraceHeader> {
    let value = env.get(TRACE_ENV_VAR)?;
    TraceHeader::parse(value)
        .inspect_err(|e| tracing::warn!(error = %e, "ignoring {TRACE_ENV_VAR}"))
        .ok()
}

/// Logs how `execute` ended and returns its exit code.
fn outcome<E: Surface + 'static>(
    joined: Result<Result<(), E>, tokio::task::JoinError>,
) -> ExitCode {
    match joined {
        Ok(Ok(())) => {
            tracing::info!("task finished");
            ExitCode::from(exit::SUCCESS)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %Report(&e), error_type = e.error_type(), "task failed");
            code(e.kind().exit_code())
        }
        Err(join) => {
            // The panic hook logged the panic with its message and location.
            tracing::error!(panicked = join.is_panic(), "the task did not finish");
            ExitCode::from(exit::PANIC)
        }
    }
}

/// A failure before logging is set up: one line on stderr, then the error's exit code.
fn early_exit(e: &updraft_core::Error) -> ExitCode {
    #[allow(
        clippy::print_stderr,
        reason = "logging is not set up yet; stderr is where a task's startup errors go"
    )]
    {
        eprintln!("the task cannot start: {e}");
    }
    code(e.kind().exit_code())
}

fn code(exit_code: i32) -> ExitCode {
    ExitCode::from(byte(exit_code))
}

/// An exit code as the byte a process can return; 1 for anything outside 0..=255.
fn byte(exit_code: i32) -> u8 {
    u8::try_from(exit_code).unwrap_or(1)
}

/// `my_crate::tasks::Report` → `Report`.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launchers_trace_is_read_and_a_malformed_one_ignored() {
        let trace = "Root=1-6930a1b2-0123456789abcdef01234567;Sampled=1";
        let env = Env::from_pairs([(TRACE_ENV_VAR, trace)]);
        assert_eq!(launcher_trace(&env).unwrap().as_str(), trace);
        for bad in [
            "",
            "Root=1-x",
            "Root=1-6930a1b2-0123456789abcdef01234567\r\nX: 1",
        ] {
            assert_eq!(
                launcher_trace(&Env::from_pairs([(TRACE_ENV_VAR, bad)])),
                None
            );
        }
        assert_eq!(launcher_trace(&Env::from_pairs([("OTHER", "x")])), None);
    }

    #[test]
    fn type_names_are_shortened_and_codes_fit_a_byte() {
        struct Report;
        assert_eq!(short_type_name::<Report>(), "Report");
        assert_eq!(byte(78), 78);
        assert_eq!(byte(-1), 1);
        assert_eq!(byte(300), 1);
        let terminate = updraft_core::shutdown::Signal::Terminate;
        assert_eq!(terminate.exit_code(), exit::TERMINATED);
        assert_eq!(
            updraft_core::shutdown::Signal::Interrupt.exit_code(),
            exit::INTERRUPTED
        );
    }

    #[tokio::test]
    async fn a_test_context_is_never_cancelled() {
        let ctx = TaskContext::new(Env::from_pairs([("TOWN", "Dayton")]), None);
        assert_eq!(ctx.require_env("TOWN").unwrap(), "Dayton");
        assert!(
            ctx.require_env("CITY")
                .unwrap_err()
                .to_string()
                .contains("CITY")
        );
        assert!(!ctx.is_cancelled());
        let waited = tokio::time::timeout(Duration::from_millis(20), ctx.cancelled()).await;
        assert!(waited.is_err(), "cancelled() stays pending");
    }
}
