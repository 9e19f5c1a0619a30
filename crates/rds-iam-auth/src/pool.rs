//! [`RdsPool`]: a sqlx pool whose connect options a background task renews with a fresh token,
//! and [`PoolBuilder`], which makes one for each engine.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::{Connection, Database, Pool};
use tokio::task::JoinHandle;
use updraft_core::aws::backoff::Backoff;

use crate::Error;

/// The connect options of database `DB`.
pub(crate) type Options<DB> = <<DB as Database>::Connection as Connection>::Options;

/// Makes the connect options of the next connections: with a new token, or the password.
pub(crate) type MakeOptions<DB> =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Options<DB>, Error>> + Send + Sync>;

/// The retries of a failed refresh: the workspace's one policy, waits from up to 1 s doubling
/// to at most a minute (never more than the refresh interval), for as long as it takes.
fn refresh_retry(every: Duration) -> Backoff {
    Backoff::new(
        Duration::from_secs(1),
        Duration::from_secs(60).min(every),
        u32::MAX,
    )
}

/// A sqlx pool that logs in with RDS IAM tokens and renews them itself: a background task sets
/// fresh connect options (a new token) every refresh interval, well before the 15-minute
/// expiry. Connections already open are left alone; only new logins use the new token. A
/// failed refresh is logged and retried with backoff while the pool keeps its previous options.
///
/// Use it wherever sqlx takes a pool: it derefs to [`sqlx::Pool`] (`&*pool`, or
/// [`RdsPool::pool`] for a clone). Cheap to clone. The refresh task ends when the pool is
/// closed or the last `RdsPool` clone is dropped (a bare `sqlx::Pool` clone does not keep it
/// alive).
pub struct RdsPool<DB: Database> {
    pool: Pool<DB>,
    state: Arc<State<DB>>,
    task: Arc<AbortOnDrop>,
}

impl<DB: Database> Clone for RdsPool<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            state: self.state.clone(),
            task: self.task.clone(),
        }
    }
}

impl<DB: Database> std::fmt::Debug for RdsPool<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connect options: they hold the token or password.
        f.debug_struct("RdsPool")
            .field("pool", &self.pool)
            .field("refreshes", &self.refreshes())
            .field("failed_refreshes", &self.failed_refreshes())
            .finish_non_exhaustive()
    }
}

struct State<DB: Database> {
    make: MakeOptions<DB>,
    refreshes: AtomicU64,
    failures: AtomicU64,
}

impl<DB: Database> State<DB> {
    async fn refresh(&self, pool: &Pool<DB>) -> Result<(), Error> {
        match (self.make)().await {
            Ok(options) => {
                pool.set_connect_options(options);
                self.refreshes.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                Err(error)
            }
        }
    }
}

/// Aborts the refresh task when the last pool handle goes.
struct AbortOnDrop(Option<JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

impl<DB: Database> RdsPool<DB> {
    /// Wraps `pool`; with `every`, spawns the task that refreshes its options that often.
    pub(crate) fn start(pool: Pool<DB>, make: MakeOptions<DB>, every: Option<Duration>) -> Self {
        let state = Arc::new(State {
            make,
            refreshes: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        });
        let task =
            every.map(|every| tokio::spawn(refresh_forever(pool.clone(), state.clone(), every)));
        Self {
            pool,
            state,
            task: Arc::new(AbortOnDrop(task)),
        }
    }

    /// A clone of the sqlx pool.
    ///
    /// It shares the connections and the connect options, but not the refresh task: that runs
    /// while any `RdsPool` clone lives (or until the pool closes). Keep an `RdsPool` in your
    /// state and hand out `&*pool` or this clone for single calls; a bare `Pool` kept after
    /// the last `RdsPool` is dropped logs in with the last token until it expires.
    #[must_use]
    pub fn pool(&self) -> Pool<DB> {
        self.pool.clone()
    }

    /// Makes new connect options now (a new token) and sets them for the next connections.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] when signing fails; the pool keeps its previous options.
    pub async fn refresh(&self) -> Result<(), Error> {
        self.state.refresh(&self.pool).await
    }

    /// How many refreshes succeeded.
    #[must_use]
    pub fn refreshes(&self) -> u64 {
        self.state.refreshes.load(Ordering::Relaxed)
    }

    /// How many refreshes failed.
    #[must_use]
    pub fn failed_refreshes(&self) -> u64 {
        self.state.failures.load(Ordering::Relaxed)
    }

    /// Whether the background refresh task is running (it is not in password mode, or after
    /// the pool closed).
    #[must_use]
    pub fn is_refreshing(&self) -> bool {
        self.task.0.as_ref().is_some_and(|task| !task.is_finished())
    }
}

/// `&*pool` goes wherever sqlx wants an executor; see [`RdsPool::pool`] for how long the token
/// stays fresh for a pool taken out.
impl<DB: Database> Deref for RdsPool<DB> {
    type Target = Pool<DB>;

    fn deref(&self) -> &Pool<DB> {
        &self.pool
    }
}

/// Refreshes every `every` until the pool closes; a failure is retried with backoff.
async fn refresh_forever<DB: Database>(pool: Pool<DB>, state: Arc<State<DB>>, every: Duration) {
    let retry = refresh_retry(every);
    let mut wait = every;
    let mut failures = 0;
    loop {
        tokio::select! {
            () = pool.close_event() => break,
            () = tokio::time::sleep(wait) => {}
        }
        wait = match state.refresh(&pool).await {
            Ok(()) => {
                tracing::debug!(every = ?every, "RDS auth token refreshed");
                failures = 0;
                every
            }
            Err(error) => {
                failures += 1;
                let again = retry.delay(failures);
                tracing::warn!(%error, retry_in = ?again, "refreshing the RDS auth token failed; the pool keeps its previous token");
                again
            }
        };
    }
    tracing::debug!("the pool closed; RDS token refresh stopped");
}
