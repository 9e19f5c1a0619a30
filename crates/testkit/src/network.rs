//! moto's default VPC: the subnet and security group that launches into an awsvpc network
//! (ECS tasks, say) name, read with signed EC2 calls so no test needs the EC2 SDK crate.

/// A subnet and a security group of moto's default VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultNetwork {
    /// A `subnet-…` id.
    pub subnet: String,
    /// A `sg-…` id.
    pub security_group: String,
}

/// The first subnet and security group of the default VPC of the server `config` reaches.
///
/// # Panics
///
/// When the EC2 calls fail or name no subnet or group.
pub async fn default_network(config: &updraft_core::SdkConfig) -> DefaultNetwork {
    DefaultNetwork {
        subnet: first_id(config, "DescribeSubnets", "subnetId").await,
        security_group: first_id(config, "DescribeSecurityGroups", "groupId").await,
    }
}

/// The first `<tag>` value of the answer to the EC2 query `action`.
async fn first_id(config: &updraft_core::SdkConfig, action: &str, tag: &str) -> String {
    let ec2 = match updraft_core::SignedClient::new(config, "ec2") {
        Ok(client) => client,
        Err(e) => panic!("no EC2 client: {e}"),
    };
    let answer = match ec2
        .post(
            "/",
            "application/x-www-form-urlencoded",
            format!("Action={action}&Version=2016-11-15"),
        )
        .await
    {
        Ok(answer) => answer,
        Err(e) => panic!("EC2 {action} failed: {e}"),
    };
    let body = String::from_utf8_lossy(answer.body());
    let open = format!("<{tag}>");
    match body
        .split_once(&open)
        .and_then(|(_, rest)| rest.split_once('<'))
    {
        Some((id, _)) => id.to_owned(),
        None => panic!("EC2 {action} named no {tag}: {body}"),
    }
}
