//! What the launcher needs to know: the cluster, the network, the capacity, how task names map
//! to task definitions and containers, and whether tasks run locally instead.

use std::collections::HashMap;
use std::path::PathBuf;

use updraft_core::Env;

use crate::Error;

/// The awsvpc network of launched tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Network {
    pub(crate) subnets: Vec<String>,
    pub(crate) security_groups: Vec<String>,
    pub(crate) assign_public_ip: bool,
}

/// Where a task name leads: the task definition (family, `family:revision` or ARN) and the
/// container whose environment is overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The task definition.
    pub definition: String,
    /// The container name inside it.
    pub container: String,
}

/// The rule from task names to targets: an explicit mapping first, else the prefix followed by
/// the name, for both the task definition and the container.
#[derive(Debug, Clone, Default)]
pub(crate) struct Naming {
    pub(crate) prefix: String,
    pub(crate) explicit: HashMap<String, Target>,
}

impl Naming {
    pub(crate) fn target(&self, task: &str) -> Result<Target, Error> {
        check_task_name(task)?;
        if let Some(target) = self.explicit.get(task) {
            return Ok(target.clone());
        }
        let name = format!("{}{task}", self.prefix);
        check_task_name(&name)?;
        Ok(Target {
            definition: name.clone(),
            container: name,
        })
    }
}

/// Task definition families and container names: 1 to 255 letters, digits, `-` and `_`.
pub(crate) fn check_task_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidTaskName(name.to_owned()))
    }
}

/// Local mode: where the task binaries are.
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalBins {
    pub(crate) dir: Option<PathBuf>,
    pub(crate) explicit: HashMap<String, PathBuf>,
}

impl LocalBins {
    /// The binary of `task`: the explicit mapping, else `<dir>/<task>`, the directory defaulting
    /// to the one of the running executable (where cargo puts every binary of a workspace).
    pub(crate) fn binary(&self, task: &str) -> PathBuf {
        if let Some(path) = self.explicit.get(task) {
            return path.clone();
        }
        let dir = self.dir.clone().unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(PathBuf::from))
                .unwrap_or_default()
        });
        dir.join(task)
    }
}

/// The variables [`crate::Executor::from_env`] reads.
#[derive(Debug, Clone)]
pub(crate) struct FromEnv {
    pub(crate) cluster: String,
    pub(crate) network: Network,
    pub(crate) capacity_provider: Option<String>,
    pub(crate) prefix: String,
    pub(crate) local: Option<LocalBins>,
}

impl FromEnv {
    pub(crate) fn read(env: &Env) -> Result<Self, Error> {
        let prefix = env
            .non_empty("UPDRAFT_ECS_TASK_PREFIX")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if !prefix.is_empty() && check_task_name(&prefix).is_err() {
            return Err(invalid(
                "UPDRAFT_ECS_TASK_PREFIX",
                "use letters, digits, hyphens and underscores",
            ));
        }
        if env.flag("UPDRAFT_FARGATE_LOCAL")?.unwrap_or(false) {
            let dir = env
                .non_empty("UPDRAFT_FARGATE_LOCAL_BIN_DIR")
                .map(PathBuf::from);
            return Ok(Self {
                cluster: env.non_empty("ECS_CLUSTER").unwrap_or("local").to_owned(),
                network: Network::default(),
                capacity_provider: None,
                prefix,
                local: Some(LocalBins {
                    dir,
                    explicit: HashMap::new(),
                }),
            });
        }
        let cluster = env.require("ECS_CLUSTER")?.trim().to_owned();
        let subnets = id_list(env, "ECS_SUBNETS", "subnet-")?;
        if subnets.is_empty() {
            return Err(updraft_core::Error::MissingVar {
                name: "ECS_SUBNETS".into(),
            }
            .into());
        }
        let security_groups = id_list(env, "ECS_SECURITY_GROUPS", "sg-")?;
        let assign_public_ip = match env.non_empty("ECS_ASSIGN_PUBLIC_IP").map(str::trim) {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("ENABLED") => true,
            Some(v) if v.eq_ignore_ascii_case("DISABLED") => false,
            Some(_) => env.flag("ECS_ASSIGN_PUBLIC_IP")?.unwrap_or(false),
        };
        let capacity_provider = match env.non_empty("ECS_CAPACITY_PROVIDER").map(str::trim) {
            None => None,
            Some(name) if valid_provider(name) => Some(name.to_owned()),
            Some(_) => {
                return Err(invalid(
                    "ECS_CAPACITY_PROVIDER",
                    "a capacity provider name is 1 to 255 letters, digits, `-` and `_`, such as FARGATE_SPOT",
                ));
            }
        };
        Ok(Self {
            cluster,
            network: Network {
                subnets,
                security_groups,
                assign_public_ip,
            },
            capacity_provider,
            prefix,
            local: None,
        })
    }
}

pub(crate) fn valid_provider(name: &str) -> bool {
    check_task_name(name).is_ok()
}

/// A comma-separated list of resource ids, each with `prefix` (`subnet-`, `sg-`).
fn id_list(env: &Env, name: &str, prefix: &str) -> Result<Vec<String>, Error> {
    let Some(text) = env.non_empty(name) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .map(|id| {
            let valid = id.len() > prefix.len()
                && id.starts_with(prefix)
                && id[prefix.len()..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric());
            if valid {
                Ok(id.to_owned())
            } else {
                Err(invalid(
                    name,
                    format!(
                        "`{id}` is not an id such as {prefix}0123abcd (a comma-separated list)"
                    ),
                ))
            }
        })
        .collect()
}

fn invalid(name: &str, reason: impl Into<String>) -> Error {
    updraft_core::Error::invalid_var(name, reason).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<FromEnv, Error> {
        FromEnv::read(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_network_comes_from_the_ecs_variables() {
        let settings = read(&[
            ("ECS_CLUSTER", "jobs"),
            ("ECS_SUBNETS", "subnet-0a1, subnet-0b2"),
            ("ECS_SECURITY_GROUPS", "sg-1"),
            ("ECS_ASSIGN_PUBLIC_IP", "ENABLED"),
            ("ECS_CAPACITY_PROVIDER", "FARGATE_SPOT"),
            ("UPDRAFT_ECS_TASK_PREFIX", "orders-"),
        ])
        .unwrap();
        assert_eq!(settings.cluster, "jobs");
        assert_eq!(settings.network.subnets, ["subnet-0a1", "subnet-0b2"]);
        assert_eq!(settings.network.security_groups, ["sg-1"]);
        assert!(settings.network.assign_public_ip);
        assert_eq!(settings.capacity_provider.as_deref(), Some("FARGATE_SPOT"));
        assert_eq!(settings.prefix, "orders-");
        assert!(settings.local.is_none());
    }

    #[test]
    fn every_missing_or_malformed_variable_is_named() {
        let base = [("ECS_CLUSTER", "jobs"), ("ECS_SUBNETS", "subnet-1")];
        for (pairs, name) in [
            (vec![("ECS_SUBNETS", "subnet-1")], "ECS_CLUSTER"),
            (vec![("ECS_CLUSTER", "jobs")], "ECS_SUBNETS"),
            (
                vec![("ECS_CLUSTER", "jobs"), ("ECS_SUBNETS", " , ")],
                "ECS_SUBNETS",
            ),
            (
                vec![("ECS_CLUSTER", "jobs"), ("ECS_SUBNETS", "vpc-1")],
                "ECS_SUBNETS",
            ),
            (
                vec![
                    ("ECS_CLUSTER", "jobs"),
                    ("ECS_SUBNETS", "subnet-1,,subnet-2"),
                ],
                "ECS_SUBNETS",
            ),
            (
                [base.as_slice(), &[("ECS_SECURITY_GROUPS", "subnet-1")]].concat(),
                "ECS_SECURITY_GROUPS",
            ),
            (
                [base.as_slice(), &[("ECS_ASSIGN_PUBLIC_IP", "maybe")]].concat(),
                "ECS_ASSIGN_PUBLIC_IP",
            ),
            (
                [
                    base.as_slice(),
                    &[("ECS_CAPACITY_PROVIDER", "FARGATE SPOT")],
                ]
                .concat(),
                "ECS_CAPACITY_PROVIDER",
            ),
            (
                [base.as_slice(), &[("UPDRAFT_ECS_TASK_PREFIX", "a/b")]].concat(),
                "UPDRAFT_ECS_TASK_PREFIX",
            ),
            (
                [base.as_slice(), &[("UPDRAFT_FARGATE_LOCAL", "sometimes")]].concat(),
                "UPDRAFT_FARGATE_LOCAL",
            ),
        ] {
            let err = read(&pairs)
                .err()
                .unwrap_or_else(|| panic!("{pairs:?} accepted"));
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn local_mode_needs_no_network() {
        let settings = read(&[
            ("UPDRAFT_FARGATE_LOCAL", "true"),
            ("UPDRAFT_FARGATE_LOCAL_BIN_DIR", "/opt/tasks"),
        ])
        .unwrap();
        let local = settings.local.unwrap();
        assert_eq!(local.binary("report"), PathBuf::from("/opt/tasks/report"));
        assert_eq!(settings.cluster, "local");
    }

    #[test]
    fn task_names_map_by_prefix_or_explicitly() {
        let mut naming = Naming {
            prefix: "orders-".into(),
            explicit: HashMap::new(),
        };
        let target = naming.target("report").unwrap();
        assert_eq!(target.definition, "orders-report");
        assert_eq!(target.container, "orders-report");
        naming.explicit.insert(
            "legacy".into(),
            Target {
                definition: "old-family:7".into(),
                container: "app".into(),
            },
        );
        assert_eq!(naming.target("legacy").unwrap().container, "app");
        for bad in ["", "a b", "../x", "täsk", &"x".repeat(256)] {
            assert!(
                matches!(naming.target(bad), Err(Error::InvalidTaskName(_))),
                "{bad}"
            );
        }
        naming.prefix = "p".repeat(250);
        assert!(naming.target("longer-than-five").is_err());
    }
}
