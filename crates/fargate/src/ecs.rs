//! The ECS side of the launcher: one RunTask call per launch group, DescribeTasks per hundred
//! ARNs, each failure typed.

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    KeyValuePair, LaunchType, NetworkConfiguration, Tag, TaskOverride,
};
use updraft_core::aws::AwsError;

use crate::overrides::Prepared;
use crate::settings::Network;
use crate::{Error, TaskStatus};

/// What DescribeTasks takes in one call.
pub(crate) const DESCRIBE_LIMIT: usize = 100;

/// What RunTask launches in one call.
pub(crate) const RUN_LIMIT: usize = 10;

/// An ECS cluster and how its tasks are placed.
#[derive(Debug, Clone)]
pub(crate) struct Ecs {
    pub(crate) client: aws_sdk_ecs::Client,
    pub(crate) cluster: String,
    pub(crate) network: Network,
    pub(crate) capacity_provider: Option<String>,
    pub(crate) started_by: String,
}

impl Ecs {
    /// One RunTask call launching `count` copies of `prepared`: one result per copy, the
    /// launched ones first, then ECS's failures.
    pub(crate) async fn run_task(
        &self,
        prepared: &Prepared,
        count: usize,
        client_token: &str,
    ) -> Result<Vec<Result<String, Error>>, Error> {
        let count = count.clamp(1, RUN_LIMIT);
        let vpc = AwsVpcConfiguration::builder()
            .set_subnets(Some(self.network.subnets.clone()))
            .set_security_groups(
                (!self.network.security_groups.is_empty())
                    .then(|| self.network.security_groups.clone()),
            )
            .assign_public_ip(if self.network.assign_public_ip {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|_| Error::Unexpected("the network configuration has no subnet"))?;
        let environment = prepared
            .env
            .iter()
            .map(|(name, value)| KeyValuePair::builder().name(name).value(value).build())
            .collect();
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name(&prepared.container)
                    .set_environment(Some(environment))
                    .build(),
            )
            .build();
        let tags = prepared
            .tags()
            .into_iter()
            .map(|(key, value)| Tag::builder().key(key).value(value).build())
            .collect();
        let mut request = self
            .client
            .run_task()
            .cluster(&self.cluster)
            .task_definition(&prepared.definition)
            .count(i32::try_from(count).unwrap_or(1))
            .client_token(client_token)
            .started_by(&self.started_by)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build(),
            )
            .overrides(overrides)
            .set_tags(Some(tags));
        request = match &self.capacity_provider {
            Some(provider) => request.capacity_provider_strategy(
                CapacityProviderStrategyItem::builder()
                    .capacity_provider(provider)
                    .weight(1)
                    .build()
                    .map_err(|_| Error::Unexpected("the capacity provider has no name"))?,
            ),
            None => request.launch_type(LaunchType::Fargate),
        };
        let answer = request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ecs", "RunTask", e))?;
        let mut results: Vec<Result<String, Error>> = answer
            .tasks()
            .iter()
            .map(|task| {
                task.task_arn()
                    .map(str::to_owned)
                    .ok_or(Error::Unexpected("a launched task has no ARN"))
            })
            .collect();
        for failure in answer.failures() {
            tracing::warn!(
                task = %prepared.task,
                reason = failure.reason().unwrap_or_default(),
                detail = failure.detail().unwrap_or_default(),
                arn = failure.arn().unwrap_or_default(),
                "ECS did not start a task"
            );
            results.push(Err(Error::Launch {
                reason: failure.reason().unwrap_or_default().to_owned(),
                detail: failure.detail().map(str::to_owned),
                arn: failure.arn().map(str::to_owned),
            }));
        }
        results.truncate(count);
        while results.len() < count {
            results.push(Err(Error::Unexpected(
                "ECS started fewer tasks than asked and named no failure",
            )));
        }
        Ok(results)
    }

    /// One DescribeTasks call for at most [`DESCRIBE_LIMIT`] ARNs: the tasks ECS knows.
    pub(crate) async fn describe(&self, arns: &[String]) -> Result<Vec<TaskStatus>, Error> {
        let answer = self
            .client
            .describe_tasks()
            .cluster(&self.cluster)
            .set_tasks(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ecs", "DescribeTasks", e))?;
        Ok(answer
            .tasks()
            .iter()
            .filter_map(TaskStatus::from_ecs)
            .collect())
    }
}

/// A fresh client token: 32 hex digits, within ECS's 64 printable characters.
pub(crate) fn new_client_token() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// Whether `token` is one ECS accepts: 1 to 64 printable ASCII characters without spaces.
pub(crate) fn valid_client_token(token: &str) -> bool {
    (1..=64).contains(&token.len()) && token.bytes().all(|b| (33..=126).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_are_fresh_and_valid() {
        let (a, b) = (new_client_token(), new_client_token());
        assert_ne!(a, b);
        assert!(valid_client_token(&a) && a.len() == 32);
        for bad in ["", "with space", &"x".repeat(65), "tab\t"] {
            assert!(!valid_client_token(bad), "{bad:?}");
        }
    }
}
