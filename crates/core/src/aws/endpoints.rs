//! Endpoint overrides: `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`.
//!
//! The SDK reads these variables from the process environment when a client is built. Updraft
//! reads them from its [`Env`] snapshot instead, so a `.env` file can point a service at a
//! local server, and checks every one of them at load time: a typo in an endpoint URL is a
//! typed error naming the variable, not a failure on the first call.

use aws_types::SdkConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::{Env, Error};

/// The global endpoint variable; service variables append `_<SERVICE ID>`.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
const IGNORE_ENDPOINTS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// The variable that overrides the endpoint of the service with this SDK service id, following
/// the SDKs' rule: upper case, spaces to underscores (`Secrets Manager` →
/// `AWS_ENDPOINT_URL_SECRETS_MANAGER`).
#[must_use]
pub fn service_endpoint_var(service_id: &str) -> String {
    format!(
        "{ENDPOINT_URL}_{}",
        service_id.to_uppercase().replace([' ', '-'], "_")
    )
}

/// The endpoint configured for the service with SDK service id `service_id` (`DynamoDB`,
/// `ApiGatewayManagementApi`, …), in the SDK clients' order: an endpoint set in code on the
/// configuration, then the service's own `AWS_ENDPOINT_URL_<SERVICE>` (or its profile
/// setting), then `AWS_ENDPOINT_URL`. `None` means the service's default endpoint.
///
/// Clients that build requests themselves (signed requests, the WebSocket client's stage
/// URLs) use this, so they go where an SDK client of the same configuration would.
#[must_use]
pub fn configured_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_owned);
    }
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env(ENDPOINT_URL)
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|services| services.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
}

/// Checks every endpoint variable in `env`; returns whether configured endpoints are ignored.
pub(crate) fn validate(env: &Env) -> Result<bool, Error> {
    for name in env.names_with_prefix(ENDPOINT_URL) {
        if (name == ENDPOINT_URL || name.starts_with(&format!("{ENDPOINT_URL}_")))
            && let Some(url) = env.non_empty(name)
        {
            check_url(url).map_err(|reason| Error::invalid_var(name, reason))?;
        }
    }
    Ok(env.flag(IGNORE_ENDPOINTS)?.unwrap_or(false))
}

/// Checks that `url` is an absolute `http` or `https` URL with a host.
pub(crate) fn check_url(url: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = url
        .trim()
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(uri),
        Some("http" | "https") => Err(format!("`{url}` has no host")),
        _ => Err(format!("`{url}` must start with http:// or https://")),
    }
}

/// Serves service configuration from the [`Env`] first, then from what aws-config loaded
/// (the process environment and the profile's `services` section).
#[derive(Debug)]
pub(crate) struct EnvOverlay {
    pub(crate) env: Env,
    pub(crate) ignore_endpoints: bool,
    pub(crate) base: SdkConfig,
}

impl LoadServiceConfig for EnvOverlay {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if self.ignore_endpoints && key.env() == ENDPOINT_URL {
            return None;
        }
        let service_var = format!(
            "{}_{}",
            key.env(),
            key.service_id().to_uppercase().replace(' ', "_")
        );
        self.env
            .non_empty(&service_var)
            .or_else(|| self.env.non_empty(key.env()))
            .map(|v| v.trim().to_owned())
            .or_else(|| self.base.service_config()?.load_config(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(service_id: &str) -> ServiceConfigKey<'_> {
        ServiceConfigKey::builder()
            .service_id(service_id)
            .env(ENDPOINT_URL)
            .profile("endpoint_url")
            .build()
            .unwrap()
    }

    #[test]
    fn service_variables_beat_the_global_one() {
        let overlay = EnvOverlay {
            env: Env::from_pairs([
                (ENDPOINT_URL, "http://127.0.0.1:1000"),
                ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2000"),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:3000"),
            ]),
            ignore_endpoints: false,
            base: SdkConfig::builder().build(),
        };
        assert_eq!(
            overlay.load_config(key("DynamoDB")).as_deref(),
            Some("http://127.0.0.1:2000")
        );
        assert_eq!(
            overlay.load_config(key("Secrets Manager")).as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            overlay.load_config(key("SQS")).as_deref(),
            Some("http://127.0.0.1:1000")
        );
    }

    #[tokio::test]
    async fn configured_endpoints_follow_the_sdk_order() {
        let env = Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            (ENDPOINT_URL, "http://127.0.0.1:1000"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2000"),
        ]);
        let loaded = crate::aws::ConfigLoader::new()
            .env(env.clone())
            .load()
            .await
            .unwrap();
        assert_eq!(
            configured_endpoint(&loaded, "DynamoDB").as_deref(),
            Some("http://127.0.0.1:2000"),
            "the service's variable beats the global one"
        );
        assert_eq!(
            configured_endpoint(&loaded, "ApiGatewayManagementApi").as_deref(),
            Some("http://127.0.0.1:1000")
        );
        let in_code = crate::aws::ConfigLoader::new()
            .env(env)
            .endpoint_url("http://127.0.0.1:3000")
            .load()
            .await
            .unwrap();
        assert_eq!(
            configured_endpoint(&in_code, "DynamoDB").as_deref(),
            Some("http://127.0.0.1:3000"),
            "an endpoint set in code beats every variable"
        );
        let none = crate::aws::ConfigLoader::new()
            .env(Env::from_pairs([("AWS_REGION", "us-east-1")]))
            .load()
            .await
            .unwrap();
        assert_eq!(configured_endpoint(&none, "DynamoDB"), None);
    }

    #[test]
    fn ignore_flag_hides_configured_endpoints() {
        let env = Env::from_pairs([(ENDPOINT_URL, "http://x"), (IGNORE_ENDPOINTS, "true")]);
        let overlay = EnvOverlay {
            ignore_endpoints: validate(&env).unwrap(),
            env,
            base: SdkConfig::builder().build(),
        };
        assert_eq!(overlay.load_config(key("SQS")), None);
    }

    #[test]
    fn malformed_endpoints_name_their_variable() {
        for bad in [
            "localhost:4566",
            "ftp://127.0.0.1",
            "http://",
            "http://exa mple",
        ] {
            let env = Env::from_pairs([("AWS_ENDPOINT_URL_SQS", bad)]);
            let err = validate(&env).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidVar { name, .. } if name == "AWS_ENDPOINT_URL_SQS"),
                "{bad}: {err}"
            );
        }
        assert!(
            validate(&Env::from_pairs([(
                ENDPOINT_URL,
                "https://sqs.eu-west-1.amazonaws.com"
            )]))
            .is_ok()
        );
    }

    #[test]
    fn service_variable_names_follow_the_sdk_rule() {
        assert_eq!(
            service_endpoint_var("Secrets Manager"),
            "AWS_ENDPOINT_URL_SECRETS_MANAGER"
        );
        assert_eq!(
            service_endpoint_var("ApiGatewayManagementApi"),
            "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"
        );
        assert_eq!(
            service_endpoint_var("execute-api"),
            "AWS_ENDPOINT_URL_EXECUTE_API"
        );
    }
}
