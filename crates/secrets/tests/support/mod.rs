//! Shared by the tests: seeding parameters and secrets into moto.
#![allow(dead_code, reason = "each test file uses a part")]

use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;
use updraft_core::SdkConfig;
use updraft_testkit::{aws_config, unique_name};

pub(crate) struct Seed {
    pub(crate) config: SdkConfig,
    pub(crate) ssm: aws_sdk_ssm::Client,
    pub(crate) secrets_manager: aws_sdk_secretsmanager::Client,
}

impl Seed {
    pub(crate) async fn new() -> Self {
        Self::with(aws_config().await)
    }

    pub(crate) fn with(config: SdkConfig) -> Self {
        Self {
            ssm: aws_sdk_ssm::Client::new(&config),
            secrets_manager: aws_sdk_secretsmanager::Client::new(&config),
            config,
        }
    }

    /// A path no other test uses, such as `/t/ssm-4242-1-ab`.
    pub(crate) fn path(prefix: &str) -> String {
        format!("/t/{}", unique_name(prefix))
    }

    pub(crate) async fn parameter(&self, name: &str, value: &str, secure: bool) {
        let kind = if secure {
            ParameterType::SecureString
        } else {
            ParameterType::String
        };
        self.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send()
            .await
            .unwrap();
    }

    pub(crate) async fn secret(&self, name: &str, value: &str) -> String {
        self.secrets_manager
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .unwrap()
            .arn
            .unwrap()
    }

    pub(crate) async fn binary_secret(&self, name: &str, value: &[u8]) {
        self.secrets_manager
            .create_secret()
            .name(name)
            .secret_binary(Blob::new(value))
            .send()
            .await
            .unwrap();
    }

    pub(crate) async fn update_secret(&self, name: &str, value: &str) -> String {
        self.secrets_manager
            .put_secret_value()
            .secret_id(name)
            .secret_string(value)
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap()
    }
}
