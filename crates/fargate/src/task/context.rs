//! [`TaskContext`]: what a running task reads: its configuration, its session, its ARN, and
//! whether it was asked to stop.

use tokio::sync::watch;
use updraft_core::{Env, Session};

/// What [`Task::execute`](crate::Task::execute) gets: the configuration, the session the
/// launcher sent, the task ARN, and the cancellation that SIGTERM triggers.
#[derive(Debug, Clone)]
pub struct TaskContext {
    env: Env,
    session: Option<Session>,
    task_arn: Option<String>,
    cancel: watch::Receiver<bool>,
}

impl TaskContext {
    /// A context with this configuration and session that is never cancelled, for calling a
    /// task's `execute` in a test.
    #[must_use]
    pub fn new(env: Env, session: Option<Session>) -> Self {
        let (_, cancel) = watch::channel(false);
        Self::running(env, session, None, cancel)
    }

    pub(crate) fn running(
        env: Env,
        session: Option<Session>,
        task_arn: Option<String>,
        cancel: watch::Receiver<bool>,
    ) -> Self {
        Self {
            env,
            session,
            task_arn,
            cancel,
        }
    }

    /// The configuration: the process environment, then `./.env` for what it does not set.
    #[must_use]
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The value of the variable `name`.
    ///
    /// # Errors
    ///
    /// [`updraft_core::Error::MissingVar`] naming it when it is unset or empty: returned from
    /// `execute`, the task exits with 78 (`EX_CONFIG`).
    pub fn require_env(&self, name: &str) -> Result<&str, updraft_core::Error> {
        self.env.require(name)
    }

    /// The session from `SESSION`, also current (`Session::current()`) while the task runs.
    #[must_use]
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The task's ARN, from the ECS metadata endpoint; `None` outside ECS.
    #[must_use]
    pub fn task_arn(&self) -> Option<&str> {
        self.task_arn.as_deref()
    }

    /// Whether the task was asked to stop (SIGTERM or Ctrl-C).
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Completes when the task is asked to stop: select on it next to long work, then return
    /// promptly. ECS kills the task when its stop timeout (30 s by default) runs out.
    pub async fn cancelled(&self) {
        let mut cancel = self.cancel.clone();
        if cancel.wait_for(|cancelled| *cancelled).await.is_err() {
            // Never cancelled: the sender is gone (a test context).
            std::future::pending::<()>().await;
        }
    }
}
