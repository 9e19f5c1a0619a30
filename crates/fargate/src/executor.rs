//! [`Executor`]: launches tasks on ECS Fargate (or as local child processes) with the current
//! `Session` carried along, and reads their status back.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use updraft_core::aws::backoff::Backoff;
use updraft_core::error::Surface;
use updraft_core::{Env, SdkConfig};

use crate::ExecutorBuilder;
use crate::ecs::{DESCRIBE_LIMIT, Ecs, RUN_LIMIT, new_client_token, valid_client_token};
use crate::local::Local;
use crate::overrides::Prepared;
use crate::settings::{Naming, Target};
use crate::{Error, TaskStatus};

/// Launches ECS Fargate tasks. Cheap to clone; build it once per process.
///
/// See the crate docs for the variables [`Executor::from_env`] reads and the rule from task
/// names to task definitions.
#[derive(Debug, Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) naming: Naming,
    pub(crate) backend: Backend,
    pub(crate) concurrency: usize,
    pub(crate) retry: Backoff,
    pub(crate) poll: Backoff,
    pub(crate) run_calls: AtomicU64,
    pub(crate) describe_calls: AtomicU64,
}

#[derive(Debug)]
pub(crate) enum Backend {
    Ecs(Ecs),
    Local(Local),
}

impl Executor {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The executor the environment describes: `ECS_CLUSTER`, `ECS_SUBNETS`, and the optional
    /// `ECS_SECURITY_GROUPS`, `ECS_ASSIGN_PUBLIC_IP`, `ECS_CAPACITY_PROVIDER` and
    /// `UPDRAFT_ECS_TASK_PREFIX`; or local mode with `UPDRAFT_FARGATE_LOCAL=true`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first missing or malformed variable.
    pub fn from_env(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        ExecutorBuilder::from_env(env)?.build(config)
    }

    /// [`Executor::from_env`] with the AWS configuration loaded from the same `env`
    /// (`updraft_core::aws::ConfigLoader`), and none at all in local mode, so a laptop needs
    /// neither a region nor credentials.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first missing or malformed variable, or why the AWS
    /// configuration did not load.
    pub async fn load(env: &Env) -> Result<Self, Error> {
        let builder = ExecutorBuilder::from_env(env)?;
        let config = if builder.is_local() {
            SdkConfig::builder().build()
        } else {
            updraft_core::aws::ConfigLoader::new()
                .env(env.clone())
                .load()
                .await?
        };
        builder.build(&config)
    }

    /// A builder for an executor on `cluster`.
    pub fn builder(cluster: impl Into<String>) -> ExecutorBuilder {
        ExecutorBuilder::new(cluster.into())
    }

    /// Whether tasks run as local child processes instead of on ECS.
    #[must_use]
    pub fn is_local(&self) -> bool {
        matches!(self.inner.backend, Backend::Local(_))
    }

    /// Where `task` leads: its task definition and container.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTaskName`] when the name (with the prefix) cannot name a definition.
    pub fn target(&self, task: &str) -> Result<Target, Error> {
        self.inner.naming.target(task)
    }

    /// How many RunTask calls this executor (and its clones) has made.
    #[must_use]
    pub fn run_task_calls(&self) -> u64 {
        self.inner.run_calls.load(Ordering::Relaxed)
    }

    /// How many DescribeTasks calls this executor (and its clones) has made.
    #[must_use]
    pub fn describe_calls(&self) -> u64 {
        self.inner.describe_calls.load(Ordering::Relaxed)
    }

    /// Launches `task` with the variables `vars` and the current session (`SESSION`,
    /// `CONSTITUTION_STATE`); returns the task's ARN.
    ///
    /// A fresh client token makes the SDK's and this crate's retries of the call idempotent.
    /// To make a retried invocation idempotent too, pass a token of your own to
    /// [`Executor::run_with_token`].
    ///
    /// # Errors
    ///
    /// Before any call: [`Error::InvalidTaskName`], [`Error::ReservedVariable`],
    /// [`Error::OverridesTooLarge`]. From ECS: [`Error::Launch`] when RunTask answered with a
    /// failure, [`Error::Aws`] when the call failed after the retries. Local mode:
    /// [`Error::LocalSpawn`].
    pub async fn run<K, V>(
        &self,
        task: &str,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<String, Error>
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.run_with_token(task, vars, &new_client_token()).await
    }

    /// [`Executor::run`] with the client token `client_token` (1 to 64 printable ASCII
    /// characters): ECS starts one task for any number of calls with the same token, such as
    /// one derived from the Lambda request id of an invocation that may be retried.
    ///
    /// # Errors
    ///
    /// As [`Executor::run`], and [`Error::InvalidClientToken`] for a malformed token.
    pub async fn run_with_token<K, V>(
        &self,
        task: &str,
        vars: impl IntoIterator<Item = (K, V)>,
        client_token: &str,
    ) -> Result<String, Error>
    where
        K: Into<String>,
        V: Into<String>,
    {
        if !valid_client_token(client_token) {
            return Err(Error::InvalidClientToken);
        }
        let prepared = Prepared::new(task, self.target(task)?, vars)?;
        self.launch(&prepared, 1, client_token)
            .await?
            .into_iter()
            .next()
            .unwrap_or(Err(Error::Unexpected("no result for the launch")))
    }

    /// Launches `task` once per item of `items`, each item the variables of one task; returns
    /// one result per item, in order, so a partial failure is visible and retryable.
    ///
    /// ECS applies one call's overrides to every task it starts, so items with identical
    /// variables share RunTask calls (up to 10 tasks each) and distinct ones get a call each.
    /// Calls run with bounded concurrency ([`ExecutorBuilder::concurrency`]); calls that fail
    /// transiently (throttled, unavailable, timed out) are retried with the workspace's
    /// jittered backoff, with the same client token.
    pub async fn run_batch<I, K, V>(
        &self,
        task: &str,
        items: impl IntoIterator<Item = I>,
    ) -> Vec<Result<String, Error>>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut results: Vec<Option<Result<String, Error>>> = Vec::new();
        let mut groups: Vec<(Prepared, Vec<usize>)> = Vec::new();
        let mut index_of: HashMap<Prepared, usize> = HashMap::new();
        for (i, vars) in items.into_iter().enumerate() {
            let prepared = self
                .target(task)
                .and_then(|target| Prepared::new(task, target, vars));
            match prepared {
                Ok(prepared) => {
                    results.push(None);
                    let group = *index_of.entry(prepared.clone()).or_insert_with(|| {
                        groups.push((prepared, Vec::new()));
                        groups.len() - 1
                    });
                    groups[group].1.push(i);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let per_call = if self.is_local() { 1 } else { RUN_LIMIT };
        // Owned calls: a stream of futures that borrow from the stream's own items would not
        // be `Send` for every lifetime, which a handler's future must be.
        let calls: Vec<(Prepared, Vec<usize>)> = groups
            .into_iter()
            .flat_map(|(prepared, items)| {
                items
                    .chunks(per_call)
                    .map(|chunk| (prepared.clone(), chunk.to_vec()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut answers = futures_util::stream::iter(calls)
            .map(|(prepared, chunk)| async move {
                let answer = self
                    .launch(&prepared, chunk.len(), &new_client_token())
                    .await;
                (chunk, answer)
            })
            .buffer_unordered(self.inner.concurrency);
        while let Some((chunk, answer)) = answers.next().await {
            match answer {
                Ok(launched) => {
                    for (&i, result) in chunk.iter().zip(launched) {
                        results[i] = Some(result);
                    }
                }
                Err(e) => {
                    let kind = e.kind();
                    tracing::warn!(task, error = %updraft_core::error::Report(&e), "a RunTask call failed");
                    results[chunk[0]] = Some(Err(e));
                    for &i in &chunk[1..] {
                        results[i] = Some(Err(Error::SharedCall { kind }));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::Unexpected("no result for the launch"))))
            .collect()
    }

    /// One call (or local spawn per task) for `count` copies of `prepared`, retried while it
    /// fails transiently.
    async fn launch(
        &self,
        prepared: &Prepared,
        count: usize,
        client_token: &str,
    ) -> Result<Vec<Result<String, Error>>, Error> {
        match &self.inner.backend {
            Backend::Local(local) => Ok((0..count)
                .map(|_| local.spawn(prepared, &new_client_token()))
                .collect()),
            Backend::Ecs(ecs) => {
                self.inner
                    .retry
                    .retry(
                        |e: &Error| matches!(e, Error::Aws(_)) && e.kind().is_transient(),
                        || {
                            self.inner.run_calls.fetch_add(1, Ordering::Relaxed);
                            ecs.run_task(prepared, count, client_token)
                        },
                    )
                    .await
            }
        }
    }

    /// The status of one task.
    ///
    /// # Errors
    ///
    /// [`Error::TaskNotFound`] when the cluster has no such task, [`Error::Aws`] when
    /// DescribeTasks fails.
    pub async fn status(&self, arn: &str) -> Result<TaskStatus, Error> {
        self.status_many(&[arn])
            .await?
            .pop()
            .flatten()
            .ok_or_else(|| Error::TaskNotFound(arn.to_owned()))
    }

    /// The status of each task in `arns`, in order; `None` for a task the cluster does not
    /// know. DescribeTasks takes 100 ARNs per call; the calls run with bounded concurrency.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`] when a DescribeTasks call fails after the retries.
    pub async fn status_many<S: AsRef<str>>(
        &self,
        arns: &[S],
    ) -> Result<Vec<Option<TaskStatus>>, Error> {
        let arns: Vec<String> = arns.iter().map(|a| a.as_ref().to_owned()).collect();
        let ecs = match &self.inner.backend {
            Backend::Local(local) => return Ok(arns.iter().map(|a| local.status(a)).collect()),
            Backend::Ecs(ecs) => ecs,
        };
        let mut known: HashMap<String, TaskStatus> = HashMap::new();
        let chunks: Vec<Vec<String>> = arns
            .chunks(DESCRIBE_LIMIT)
            .map(<[String]>::to_vec)
            .collect();
        let mut answers = futures_util::stream::iter(chunks)
            .map(|chunk| async move {
                self.inner
                    .retry
                    .retry(
                        |e: &Error| e.kind().is_transient(),
                        || {
                            self.inner.describe_calls.fetch_add(1, Ordering::Relaxed);
                            ecs.describe(&chunk)
                        },
                    )
                    .await
            })
            .buffer_unordered(self.inner.concurrency);
        while let Some(answer) = answers.next().await {
            known.extend(answer?.into_iter().map(|s| (s.arn.clone(), s)));
        }
        Ok(arns.iter().map(|arn| known.get(arn).cloned()).collect())
    }

    /// Waits until the task stops, polling with backoff ([`ExecutorBuilder::poll`]); returns
    /// its final status.
    ///
    /// # Errors
    ///
    /// [`Error::WaitTimeout`] when it still runs after `timeout`, [`Error::TaskNotFound`],
    /// [`Error::Aws`].
    pub async fn wait_for_stop(&self, arn: &str, timeout: Duration) -> Result<TaskStatus, Error> {
        if let Backend::Local(local) = &self.inner.backend {
            return local.wait(arn, timeout).await;
        }
        let started = Instant::now();
        let mut polls = 0u32;
        loop {
            let status = self.status(arn).await?;
            if status.is_stopped() {
                return Ok(status);
            }
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Error::WaitTimeout {
                    arn: arn.to_owned(),
                    waited: started.elapsed(),
                });
            }
            polls = polls.saturating_add(1);
            let wait = self.inner.poll.initial().max(self.inner.poll.delay(polls));
            tokio::time::sleep(wait.min(left)).await;
        }
    }
}
