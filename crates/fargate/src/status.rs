//! [`TaskStatus`]: where a launched task is, from DescribeTasks or from a local child process.

use std::time::SystemTime;

/// The state of a launched task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskStatus {
    /// The task's ARN.
    pub arn: String,
    /// ECS's last status: `PROVISIONING`, `PENDING`, `RUNNING`, …, `STOPPED`.
    pub last_status: String,
    /// The status ECS is driving the task to: `RUNNING` or `STOPPED`.
    pub desired_status: String,
    /// Why the task stopped, as ECS's code: `EssentialContainerExited`, `TaskFailedToStart`,
    /// `UserInitiated`, `SpotInterruption`, …
    pub stop_code: Option<String>,
    /// ECS's text about why the task stopped. It may name resources: log it, do not show it to
    /// a caller.
    pub stopped_reason: Option<String>,
    /// Each container's state.
    pub containers: Vec<ContainerStatus>,
    /// When the task started running.
    pub started_at: Option<SystemTime>,
    /// When the task stopped.
    pub stopped_at: Option<SystemTime>,
}

/// The state of one container of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContainerStatus {
    /// The container's name.
    pub name: String,
    /// Its exit code, once it exited.
    pub exit_code: Option<i32>,
    /// Why it stopped, when ECS (or the local runner) said.
    pub reason: Option<String>,
}

impl TaskStatus {
    /// Whether the task has stopped.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.last_status == "STOPPED"
    }

    /// Whether the task stopped and every container exited with 0.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.is_stopped()
            && !self.containers.is_empty()
            && self.containers.iter().all(|c| c.exit_code == Some(0))
    }

    /// The exit code of the first container that has one: a task's own container, for the
    /// one-container tasks `updraft-fargate` launches.
    #[must_use]
    pub fn exit_code(&self) -> Option<i32> {
        self.containers.iter().find_map(|c| c.exit_code)
    }
}

#[cfg(feature = "launcher")]
impl TaskStatus {
    pub(crate) fn from_ecs(task: &aws_sdk_ecs::types::Task) -> Option<Self> {
        let time = |t: Option<&aws_sdk_ecs::primitives::DateTime>| {
            t.and_then(|t| SystemTime::try_from(*t).ok())
        };
        Some(Self {
            arn: task.task_arn()?.to_owned(),
            last_status: task.last_status().unwrap_or_default().to_owned(),
            desired_status: task.desired_status().unwrap_or_default().to_owned(),
            stop_code: task.stop_code().map(|c| c.as_str().to_owned()),
            stopped_reason: task.stopped_reason().map(str::to_owned),
            containers: task
                .containers()
                .iter()
                .map(|c| ContainerStatus {
                    name: c.name().unwrap_or_default().to_owned(),
                    exit_code: c.exit_code(),
                    reason: c.reason().map(str::to_owned),
                })
                .collect(),
            started_at: time(task.started_at()),
            stopped_at: time(task.stopped_at()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_needs_every_container_to_exit_zero() {
        let mut status = TaskStatus {
            arn: "arn".into(),
            last_status: "RUNNING".into(),
            desired_status: "RUNNING".into(),
            stop_code: None,
            stopped_reason: None,
            containers: vec![ContainerStatus {
                name: "app".into(),
                exit_code: None,
                reason: None,
            }],
            started_at: None,
            stopped_at: None,
        };
        assert!(!status.is_stopped() && !status.succeeded());
        status.last_status = "STOPPED".into();
        assert!(!status.succeeded(), "no exit code: killed");
        status.containers[0].exit_code = Some(0);
        assert!(status.succeeded());
        status.containers.push(ContainerStatus {
            name: "sidecar".into(),
            exit_code: Some(1),
            reason: None,
        });
        assert!(!status.succeeded());
        assert_eq!(status.exit_code(), Some(0));
    }
}
