//! Local mode: each launch runs the task's binary as a child process with the same
//! environment a container would get, so a whole flow runs on a laptop and in CI.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::overrides::Prepared;
use crate::settings::LocalBins;
use crate::status::ContainerStatus;
use crate::{Error, TaskStatus};

/// The children launched by one executor (and its clones), by ARN.
#[derive(Debug)]
pub(crate) struct Local {
    pub(crate) bins: LocalBins,
    pub(crate) cluster: String,
    tasks: Mutex<HashMap<String, watch::Receiver<Child>>>,
}

/// What is known of one child.
#[derive(Debug, Clone)]
struct Child {
    container: String,
    started_at: SystemTime,
    exit: Option<Exit>,
}

#[derive(Debug, Clone)]
struct Exit {
    code: Option<i32>,
    reason: Option<String>,
    at: SystemTime,
}

impl Local {
    pub(crate) fn new(bins: LocalBins, cluster: String) -> Self {
        Self {
            bins,
            cluster,
            tasks: Mutex::new(HashMap::new()),
        }
    }

    /// Starts the task's binary with no arguments; the child inherits this process's
    /// environment plus the launch's variables, as a container gets its definition's
    /// environment plus the overrides.
    pub(crate) fn spawn(&self, prepared: &Prepared, id: &str) -> Result<String, Error> {
        let path = self.bins.binary(&prepared.task);
        let mut child = tokio::process::Command::new(&path)
            .envs(&prepared.env)
            .stdin(Stdio::null())
            .kill_on_drop(false)
            .spawn()
            .map_err(|source| Error::LocalSpawn {
                path: path.clone(),
                source,
            })?;
        let arn = format!("arn:aws:ecs:local:000000000000:task/{}/{id}", self.cluster);
        tracing::info!(task = %prepared.task, %arn, binary = %path.display(), "started a local task");
        let (sender, receiver) = watch::channel(Child {
            container: prepared.container.clone(),
            started_at: SystemTime::now(),
            exit: None,
        });
        tokio::spawn(async move {
            let exit = match child.wait().await {
                Ok(status) => Exit {
                    code: status.code(),
                    reason: signal_reason(status),
                    at: SystemTime::now(),
                },
                Err(e) => Exit {
                    code: None,
                    reason: Some(format!("cannot wait for the process: {e}")),
                    at: SystemTime::now(),
                },
            };
            sender.send_modify(|child| child.exit = Some(exit));
        });
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(arn.clone(), receiver);
        Ok(arn)
    }

    fn receiver(&self, arn: &str) -> Option<watch::Receiver<Child>> {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(arn)
            .cloned()
    }

    /// The status of a child this executor started, `None` for any other ARN.
    pub(crate) fn status(&self, arn: &str) -> Option<TaskStatus> {
        let receiver = self.receiver(arn)?;
        let child = receiver.borrow().clone();
        Some(status(arn, &child))
    }

    /// Waits for the child to exit, at most `timeout`.
    pub(crate) async fn wait(&self, arn: &str, timeout: Duration) -> Result<TaskStatus, Error> {
        let mut receiver = self
            .receiver(arn)
            .ok_or_else(|| Error::TaskNotFound(arn.to_owned()))?;
        let exited = tokio::time::timeout(timeout, receiver.wait_for(|c| c.exit.is_some())).await;
        match exited {
            Ok(Ok(child)) => Ok(status(arn, &child)),
            Ok(Err(_)) => Err(Error::Unexpected("the local task's watcher ended")),
            Err(_) => Err(Error::WaitTimeout {
                arn: arn.to_owned(),
                waited: timeout,
            }),
        }
    }
}

fn status(arn: &str, child: &Child) -> TaskStatus {
    let stopped = child.exit.is_some();
    let label = if stopped { "STOPPED" } else { "RUNNING" };
    TaskStatus {
        arn: arn.to_owned(),
        last_status: label.to_owned(),
        desired_status: label.to_owned(),
        stop_code: stopped.then(|| "EssentialContainerExited".to_owned()),
        stopped_reason: stopped.then(|| "Essential container in task exited".to_owned()),
        containers: vec![ContainerStatus {
            name: child.container.clone(),
            exit_code: child.exit.as_ref().and_then(|e| e.code),
            reason: child.exit.as_ref().and_then(|e| e.reason.clone()),
        }],
        started_at: Some(child.started_at),
        stopped_at: child.exit.as_ref().map(|e| e.at),
    }
}

#[cfg(unix)]
fn signal_reason(status: std::process::ExitStatus) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    status
        .signal()
        .map(|signal| format!("killed by signal {signal}"))
}

#[cfg(not(unix))]
fn signal_reason(_: std::process::ExitStatus) -> Option<String> {
    None
}
