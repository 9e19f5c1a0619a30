//! The error of `updraft-fargate`'s launcher.

use std::path::PathBuf;
use std::time::Duration;

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};

/// Why a task was not launched or its status not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The launcher's configuration is missing or malformed: the error names the variable
    /// (`ECS_CLUSTER`, `ECS_SUBNETS`, …) or the builder setting.
    #[error(transparent)]
    Config(#[from] updraft_core::Error),

    /// The task name cannot name a task definition: 1 to 255 letters, digits, `-` and `_`.
    #[error("`{0}` is not a task name: use 1 to 255 letters, digits, hyphens and underscores")]
    InvalidTaskName(String),

    /// The caller set a variable the launcher sets itself from the current session
    /// (`SESSION`, `CONSTITUTION_STATE`): outside data never chooses a task's identity.
    #[error("the variable {0} is set by the launcher from the current session")]
    ReservedVariable(String),

    /// A client token given to `run_with_token` is not 1 to 64 printable ASCII characters
    /// without spaces.
    #[error("a client token is 1 to 64 printable ASCII characters without spaces")]
    InvalidClientToken,

    /// The container overrides are over ECS's limit of 8,192 characters (JSON included),
    /// found before any call.
    #[error("the container overrides are {size} characters; ECS allows {limit}")]
    OverridesTooLarge {
        /// Their size, in characters of the JSON ECS receives.
        size: usize,
        /// ECS's limit.
        limit: usize,
    },

    /// RunTask answered with a failure instead of a task: no capacity, a missing or inactive
    /// task definition, a bad subnet. The message names the category only; ECS's reason and
    /// detail (which may name resources) are in the fields and the log.
    #[error("ECS did not start the task ({})", failure_label(reason))]
    Launch {
        /// ECS's reason, such as `RESOURCE:MEMORY` or `MISSING`.
        reason: String,
        /// ECS's detail, when it gave one.
        detail: Option<String>,
        /// The resource the failure is about, when ECS named it.
        arn: Option<String>,
    },

    /// No task has this ARN (in the executor's cluster).
    #[error("no such task")]
    TaskNotFound(String),

    /// The task did not stop within the time `wait_for_stop` was given.
    #[error("the task did not stop within {waited:?}")]
    WaitTimeout {
        /// The task.
        arn: String,
        /// How long the wait lasted.
        waited: Duration,
    },

    /// Local mode: the task's binary could not be started.
    #[error("cannot start the local task binary {}: {source}", path.display())]
    LocalSpawn {
        /// The binary.
        path: PathBuf,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },

    /// A RunTask call launching this item together with earlier identical items failed; the
    /// first item of the call carries the call's error, this one its kind.
    #[error("the RunTask call shared with an earlier item failed")]
    SharedCall {
        /// The kind of the call's error, for retry decisions.
        kind: Kind,
    },

    /// ECS answered in a way the launcher cannot use (a task without an ARN, fewer tasks and
    /// failures than asked for).
    #[error("unexpected answer from ECS: {0}")]
    Unexpected(&'static str),

    /// An ECS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The kind of a RunTask failure reason, from ECS's documented reasons.
pub(crate) fn failure_kind(reason: &str) -> Kind {
    if reason.starts_with("RESOURCE:") || reason.starts_with("Capacity is unavailable") {
        Kind::Unavailable
    } else if reason == "MISSING" {
        Kind::NotFound
    } else if matches!(reason, "INACTIVE" | "ATTRIBUTE" | "LOCATION" | "AGENT") {
        Kind::Config
    } else {
        Kind::Internal
    }
}

fn failure_label(reason: &str) -> &'static str {
    match failure_kind(reason) {
        Kind::Unavailable => "no capacity",
        Kind::NotFound => "a resource is missing",
        Kind::Config => "the task definition or cluster cannot run it",
        _ => "see the log",
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Config(e) => e.kind(),
            Error::InvalidTaskName(_)
            | Error::InvalidClientToken
            | Error::ReservedVariable(_)
            | Error::OverridesTooLarge { .. } => Kind::BadInput,
            Error::Launch { reason, .. } => failure_kind(reason),
            Error::TaskNotFound(_) => Kind::NotFound,
            Error::WaitTimeout { .. } => Kind::Timeout,
            Error::LocalSpawn { .. } => Kind::Config,
            Error::SharedCall { kind } => *kind,
            Error::Unexpected(_) => Kind::Internal,
            Error::Aws(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Config(e) => e.error_type(),
            Error::InvalidTaskName(_) => "updraft.fargate.InvalidTaskName",
            Error::ReservedVariable(_) => "updraft.fargate.ReservedVariable",
            Error::InvalidClientToken => "updraft.fargate.InvalidClientToken",
            Error::OverridesTooLarge { .. } => "updraft.fargate.OverridesTooLarge",
            Error::Launch { .. } => "updraft.fargate.Launch",
            Error::TaskNotFound(_) => "updraft.fargate.TaskNotFound",
            Error::WaitTimeout { .. } => "updraft.fargate.WaitTimeout",
            Error::LocalSpawn { .. } => "updraft.fargate.LocalSpawn",
            Error::SharedCall { .. } => "updraft.fargate.SharedCall",
            Error::Unexpected(_) => "updraft.fargate.Unexpected",
            Error::Aws(_) => "updraft.fargate.Aws",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reasons_have_kinds_and_messages_that_name_no_resource() {
        let launch = |reason: &str| Error::Launch {
            reason: reason.into(),
            detail: Some("arn:aws:ecs:us-east-1:123456789012:cluster/secret".into()),
            arn: Some("arn:aws:ecs:us-east-1:123456789012:task-definition/x".into()),
        };
        for (reason, kind) in [
            ("RESOURCE:MEMORY", Kind::Unavailable),
            (
                "Capacity is unavailable at this time. Please try again later",
                Kind::Unavailable,
            ),
            ("MISSING", Kind::NotFound),
            ("INACTIVE", Kind::Config),
            ("something new", Kind::Internal),
        ] {
            let error = launch(reason);
            assert_eq!(error.kind(), kind, "{reason}");
            let text = error.to_string();
            assert!(
                !text.contains("arn:") && !text.contains("123456789012"),
                "{text}"
            );
        }
        assert!(launch("RESOURCE:ENI").kind().is_transient());
        assert_eq!(
            Error::OverridesTooLarge {
                size: 9000,
                limit: 8192
            }
            .kind()
            .http_status(),
            400
        );
    }
}
