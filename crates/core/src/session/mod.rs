//! The request [`Session`]: the tenant `state` and the authenticated `user` of one request.
//!
//! A session is set once where a request enters (an HTTP header, an SQS record's attributes, the
//! `SESSION` variable of a Fargate task) and read anywhere below it, across `.await` points,
//! with [`Session::current`]. Publishing to SNS or launching a task carries it on.
//!
//! The wire formats are those of aws-python-helper, so Rust and Python services can share one
//! event bus; see [`codec`].
//!
//! # Example
//!
//! ```
//! use updraft_core::Session;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let session = Session::with_state("connecticut");
//! let state = session
//!     .scope(async {
//!         tokio::task::yield_now().await;
//!         Session::current().and_then(|s| s.state)
//!     })
//!     .await;
//! assert_eq!(state.as_deref(), Some("connecticut"));
//! assert_eq!(Session::current(), None, "the scope ended");
//! # });
//! ```

pub mod codec;

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::Error;

pub use codec::{HeaderFormat, SessionHeader};

tokio::task_local! {
    static CURRENT: Session;
}

/// The tenant state and authenticated user of one request.
///
/// Both are optional: a public endpoint has no user, a cross-tenant job has no state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The tenant the request works for; state-scoped repositories route by it.
    #[serde(default)]
    pub state: Option<String>,
    /// The authenticated user, as the auth layer described it.
    #[serde(default)]
    pub user: Option<serde_json::Value>,
}

impl Session {
    /// A session with a state and no user.
    pub fn with_state(state: impl Into<String>) -> Self {
        Self {
            state: Some(state.into()),
            user: None,
        }
    }

    /// This session with `user` set.
    #[must_use]
    pub fn and_user(mut self, user: serde_json::Value) -> Self {
        self.user = Some(user);
        self
    }

    /// The state, or an error for work that must be scoped to one tenant.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSessionState`] when the session has no non-empty state.
    pub fn require_state(&self) -> Result<&str, Error> {
        self.state
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or(Error::MissingSessionState)
    }

    /// Runs `future` with this session as the current one.
    ///
    /// Tasks spawned inside do not inherit it; wrap their futures in `scope` too.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// Runs the closure `f` with this session as the current one.
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, f)
    }

    /// A copy of the current session, or `None` outside any [`Session::scope`].
    #[must_use]
    pub fn current() -> Option<Session> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Calls `f` with a reference to the current session without cloning it.
    pub fn with_current<R>(f: impl FnOnce(Option<&Session>) -> R) -> R {
        let mut f = Some(f);
        let inside = CURRENT.try_with(|session| f.take().map(|f| f(Some(session))));
        match (inside, f) {
            (Ok(Some(result)), _) => result,
            (_, Some(f)) => f(None),
            (_, None) => unreachable!("f runs exactly once"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_session_survives_await_and_nested_scopes() {
        let outer = Session::with_state("ct");
        outer
            .scope(async {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                assert_eq!(Session::current().unwrap().state.as_deref(), Some("ct"));
                Session::with_state("nj")
                    .scope(async {
                        assert_eq!(Session::current().unwrap().state.as_deref(), Some("nj"));
                    })
                    .await;
                assert_eq!(Session::current().unwrap().state.as_deref(), Some("ct"));
            })
            .await;
        assert!(Session::current().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_see_their_own_session() {
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                tokio::spawn(Session::with_state(format!("s{i}")).scope(async move {
                    tokio::task::yield_now().await;
                    Session::with_current(|s| s.and_then(|s| s.state.clone()))
                }))
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), Some(format!("s{i}")));
        }
    }

    #[test]
    fn require_state_rejects_missing_and_empty() {
        assert!(matches!(
            Session::default().require_state(),
            Err(Error::MissingSessionState)
        ));
        assert!(Session::with_state("").require_state().is_err());
        assert_eq!(Session::with_state("ct").require_state().unwrap(), "ct");
        assert_eq!(
            Session::with_state("ct")
                .sync_scope(|| Session::with_current(|s: Option<&Session>| s.cloned())),
            Some(Session::with_state("ct"))
        );
    }
}
