//! The `secrets` example as a library, so its test and `main` share it.
//!
//! [`Store::seed`] puts parameters and secrets into SSM and Secrets Manager;
//! [`Store::dot_env`] is a `.env` that references each of them, in every reference form;
//! [`AppConfig::resolve`] resolves that file into the service's configuration.

use updraft::core::{Env, SdkConfig};
use updraft::secrets::aws_sdk_secretsmanager as secretsmanager;
use updraft::secrets::aws_sdk_ssm as ssm;
use updraft::secrets::{Error, Resolver, Secret};

/// Any failure of the example.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The names the example creates, unique per run.
#[derive(Debug, Clone)]
pub struct Store {
    /// The SSM path everything lives under, such as `/example-secrets/4242`.
    pub path: String,
    /// The Secrets Manager string secret.
    pub token: String,
    /// The Secrets Manager JSON secret.
    pub database: String,
}

impl Store {
    /// Names under `run`.
    #[must_use]
    pub fn new(run: &str) -> Self {
        Self {
            path: format!("/example-secrets/{run}"),
            token: format!("example-secrets/{run}/token"),
            database: format!("example-secrets/{run}/database"),
        }
    }

    /// Puts the parameters (a String and a SecureString) and the secrets (a string and a
    /// JSON object).
    ///
    /// # Errors
    ///
    /// When an SSM or Secrets Manager call fails.
    pub async fn seed(&self, config: &SdkConfig) -> Result<(), Failure> {
        let ssm = ssm::Client::new(config);
        let parameters = [
            ("region-name", "ohio", ssm::types::ParameterType::String),
            (
                "api-key",
                "ak-live-51f0c9",
                ssm::types::ParameterType::SecureString,
            ),
        ];
        for (name, value, kind) in parameters {
            ssm.put_parameter()
                .name(format!("{}/{name}", self.path))
                .value(value)
                .r#type(kind)
                .overwrite(true)
                .send()
                .await?;
        }
        let secrets = secretsmanager::Client::new(config);
        secrets
            .create_secret()
            .name(&self.token)
            .secret_string("tok-7d2e91")
            .send()
            .await?;
        let database = r#"{"user": "orders_app", "password": "pg-9a8b7c", "port": 5432}"#;
        secrets
            .create_secret()
            .name(&self.database)
            .secret_string(database)
            .send()
            .await?;
        Ok(())
    }

    /// A `.env` that references each value, in every form.
    #[must_use]
    pub fn dot_env(&self) -> String {
        format!(
            "# Plain values stay as they are; references are resolved at start.\n\
             LOG_LEVEL=info\n\
             REGION_NAME=ssm://{path}/region-name\n\
             API_KEY=secret://{path}/api-key\n\
             API_TOKEN=secretsmanager://{token}\n\
             DB_USER=secretsmanager://{database}#user\n\
             DB_PASSWORD=secretsmanager://{database}#password\n",
            path = self.path.trim_start_matches('/'),
            token = self.token,
            database = self.database,
        )
    }

    /// Deletes what [`Store::seed`] put.
    ///
    /// # Errors
    ///
    /// When an SSM or Secrets Manager call fails.
    pub async fn delete(&self, config: &SdkConfig) -> Result<(), Failure> {
        let names = ["region-name", "api-key"].map(|name| format!("{}/{name}", self.path));
        ssm::Client::new(config)
            .delete_parameters()
            .set_names(Some(names.to_vec()))
            .send()
            .await?;
        let secrets = secretsmanager::Client::new(config);
        for id in [&self.token, &self.database] {
            secrets
                .delete_secret()
                .secret_id(id)
                .force_delete_without_recovery(true)
                .send()
                .await?;
        }
        Ok(())
    }
}

/// The service's configuration: plain values and secrets. `Debug` shows the secrets redacted.
#[derive(Debug)]
pub struct AppConfig {
    /// A plain value.
    pub log_level: String,
    /// From SSM (a String parameter).
    pub region_name: Secret,
    /// From SSM (a SecureString), through `secret://`.
    pub api_key: Secret,
    /// From Secrets Manager.
    pub api_token: Secret,
    /// A field of a JSON secret.
    pub db_user: Secret,
    /// Another field of it.
    pub db_password: Secret,
}

impl AppConfig {
    /// Resolves `env`'s references, all at once.
    ///
    /// # Errors
    ///
    /// [`Error::Unresolved`] naming each variable whose reference did not resolve.
    pub async fn resolve(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        let resolved = Resolver::new(config).resolve(env).await?;
        let secret = |name: &str| resolved.require(name).cloned();
        Ok(Self {
            log_level: env.get("LOG_LEVEL").unwrap_or("info").to_owned(),
            region_name: secret("REGION_NAME")?,
            api_key: secret("API_KEY")?,
            api_token: secret("API_TOKEN")?,
            db_user: secret("DB_USER")?,
            db_password: secret("DB_PASSWORD")?,
        })
    }
}
