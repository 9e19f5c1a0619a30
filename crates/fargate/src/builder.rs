//! [`ExecutorBuilder`]: the cluster, the network, the capacity, the naming rule, local mode,
//! and the retry and polling policies of an [`Executor`].

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use updraft_core::aws::backoff::Backoff;
use updraft_core::{Env, SdkConfig};

use crate::ecs::Ecs;
use crate::executor::{Backend, Inner};
use crate::local::Local;
use crate::overrides::kept;
use crate::settings::{FromEnv, LocalBins, Naming, Network, Target, check_task_name};
use crate::{Error, Executor};

/// Builds an [`Executor`]: the cluster, the network, the capacity, the naming rule, local mode
/// and the retry and polling policies.
#[derive(Debug, Clone)]
#[must_use]
pub struct ExecutorBuilder {
    cluster: String,
    network: Network,
    capacity_provider: Option<String>,
    naming: Naming,
    local: Option<LocalBins>,
    concurrency: usize,
    retry: Backoff,
    poll: Backoff,
    started_by: String,
}

impl ExecutorBuilder {
    pub(crate) fn new(cluster: String) -> Self {
        Self {
            cluster,
            network: Network::default(),
            capacity_provider: None,
            naming: Naming::default(),
            local: None,
            concurrency: 5,
            retry: Backoff::new(Duration::from_millis(200), Duration::from_secs(5), 5),
            poll: Backoff::new(Duration::from_secs(2), Duration::from_secs(15), u32::MAX),
            started_by: "updraft".to_owned(),
        }
    }

    /// The builder [`Executor::from_env`] uses, to adjust before [`ExecutorBuilder::build`].
    /// `startedBy` is `updraft/<AWS_LAMBDA_FUNCTION_NAME>` inside Lambda.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first missing or malformed variable.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let settings = FromEnv::read(env)?;
        let mut builder = Self::new(settings.cluster);
        builder.network = settings.network;
        builder.capacity_provider = settings.capacity_provider;
        builder.naming.prefix = settings.prefix;
        builder.local = settings.local;
        if let Some(function) = env.non_empty("AWS_LAMBDA_FUNCTION_NAME") {
            builder = builder.started_by(format!("updraft/{function}"));
        }
        Ok(builder)
    }

    /// Whether the executor will run tasks locally.
    #[must_use]
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// The awsvpc subnets of the tasks (at least one outside local mode).
    pub fn subnets<S: Into<String>>(mut self, subnets: impl IntoIterator<Item = S>) -> Self {
        self.network.subnets = subnets.into_iter().map(Into::into).collect();
        self
    }

    /// The security groups of the tasks.
    pub fn security_groups<S: Into<String>>(mut self, groups: impl IntoIterator<Item = S>) -> Self {
        self.network.security_groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Whether tasks get a public IP (needed in a public subnet without a NAT gateway).
    pub fn assign_public_ip(mut self, assign: bool) -> Self {
        self.network.assign_public_ip = assign;
        self
    }

    /// Launches through this capacity provider (such as `FARGATE_SPOT`) instead of the
    /// `FARGATE` launch type.
    pub fn capacity_provider(mut self, provider: impl Into<String>) -> Self {
        self.capacity_provider = Some(provider.into());
        self
    }

    /// Prepends `prefix` to task names to make definition and container names.
    pub fn task_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.naming.prefix = prefix.into();
        self
    }

    /// Maps the task name `task` to a task definition (family, `family:revision` or ARN) and a
    /// container, instead of the prefix rule.
    pub fn task(
        mut self,
        task: impl Into<String>,
        definition: impl Into<String>,
        container: impl Into<String>,
    ) -> Self {
        self.naming.explicit.insert(
            task.into(),
            Target {
                definition: definition.into(),
                container: container.into(),
            },
        );
        self
    }

    /// Local mode: tasks run as child processes from `bin_dir/<task name>` (default: the
    /// directory of the running executable).
    pub fn local(mut self, bin_dir: Option<PathBuf>) -> Self {
        let explicit = self.local.take().map(|l| l.explicit).unwrap_or_default();
        self.local = Some(LocalBins {
            dir: bin_dir,
            explicit,
        });
        self
    }

    /// Local mode, with the binary of `task` at `path`.
    pub fn local_binary(mut self, task: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.local
            .get_or_insert_with(LocalBins::default)
            .explicit
            .insert(task.into(), path.into());
        self
    }

    /// How many RunTask or DescribeTasks calls a batch keeps in flight (default 5; at least 1).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// How throttled and unavailable calls are retried (default: 5 attempts, 200 ms up to
    /// 5 s, full jitter).
    pub fn retry(mut self, policy: Backoff) -> Self {
        self.retry = policy;
        self
    }

    /// How [`Executor::wait_for_stop`] polls: waits between the policy's initial delay and its
    /// jittered ceiling (default 2 s up to 15 s).
    pub fn poll(mut self, policy: Backoff) -> Self {
        self.poll = policy;
        self
    }

    /// The `startedBy` of launched tasks (up to 128 letters, digits, `-`, `_` and `/`; others
    /// become `_`).
    pub fn started_by(mut self, started_by: impl Into<String>) -> Self {
        self.started_by = kept(&started_by.into(), 128, |c| {
            c.is_ascii_alphanumeric() || "-_/".contains(c)
        });
        self
    }

    /// The executor.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the cluster is empty, no subnet is set outside local mode, or
    /// the prefix or capacity provider is malformed.
    pub fn build(self, config: &SdkConfig) -> Result<Executor, Error> {
        let cluster = self.cluster.trim().to_owned();
        if cluster.is_empty() {
            return Err(updraft_core::Error::MissingVar {
                name: "ECS_CLUSTER".into(),
            }
            .into());
        }
        if !self.naming.prefix.is_empty() && check_task_name(&self.naming.prefix).is_err() {
            return Err(updraft_core::Error::invalid_var(
                "UPDRAFT_ECS_TASK_PREFIX",
                "use letters, digits, hyphens and underscores",
            )
            .into());
        }
        let backend = if let Some(bins) = self.local {
            Backend::Local(Local::new(bins, cluster))
        } else {
            if self.network.subnets.is_empty() {
                return Err(updraft_core::Error::MissingVar {
                    name: "ECS_SUBNETS".into(),
                }
                .into());
            }
            if let Some(provider) = &self.capacity_provider
                && !crate::settings::valid_provider(provider)
            {
                return Err(updraft_core::Error::invalid_var(
                    "ECS_CAPACITY_PROVIDER",
                    "use letters, digits, hyphens and underscores",
                )
                .into());
            }
            Backend::Ecs(Ecs {
                client: updraft_core::traced_client!(aws_sdk_ecs, config),
                cluster,
                network: self.network,
                capacity_provider: self.capacity_provider,
                started_by: self.started_by,
            })
        };
        Ok(Executor::from_inner(Inner {
            naming: self.naming,
            backend,
            concurrency: self.concurrency,
            retry: self.retry,
            poll: self.poll,
            run_calls: AtomicU64::new(0),
            describe_calls: AtomicU64::new(0),
        }))
    }
}
