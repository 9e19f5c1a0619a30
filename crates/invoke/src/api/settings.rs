//! Where a service is and how long a call to it may take: `MICROSERVICE_URLS`, the timeouts and
//! the retry settings, from the environment or the builder.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use updraft_core::Env;
use updraft_core::backoff::Backoff;

use crate::Error;

/// The variable with the JSON map of service names to base URLs.
pub const SERVICES_VAR: &str = "MICROSERVICE_URLS";
/// The variable that overrides the connect timeout (3 s).
pub const CONNECT_TIMEOUT_VAR: &str = "UPDRAFT_API_CONNECT_TIMEOUT";
/// The variable that overrides the total timeout of a call, retries included (30 s).
pub const TIMEOUT_VAR: &str = "UPDRAFT_API_TIMEOUT";
/// The variable that overrides the attempts per call, the first included (3).
pub const MAX_ATTEMPTS_VAR: &str = "UPDRAFT_API_MAX_ATTEMPTS";

/// The default TCP and TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default total timeout of one call, its retries and waits included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default retry policy: three attempts, waits from 100 ms up to 2 s.
pub const DEFAULT_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(100), Duration::from_secs(2), 3);

/// The base URLs of `MICROSERVICE_URLS`, by service name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Services(BTreeMap<String, String>);

impl Services {
    /// The map in `env`; empty when the variable is unset.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        let Some(text) = env.non_empty(SERVICES_VAR) else {
            return Ok(Self::default());
        };
        let map: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| {
            updraft_core::Error::invalid_var(
                SERVICES_VAR,
                format!("expected a JSON object of service names to URLs ({e})"),
            )
        })?;
        if let Some((name, _)) = map.iter().find(|(_, url)| url.trim().is_empty()) {
            return Err(updraft_core::Error::invalid_var(
                SERVICES_VAR,
                format!("the service `{name}` has an empty URL"),
            )
            .into());
        }
        Ok(Self(map))
    }

    /// The map of the process, parsed from `process` (the environment and `.env`, as
    /// [`Env::load`] reads them) on first use and kept. A malformed variable is not kept: each
    /// call reports it, naming the variable once.
    pub(crate) fn of_process(process: &Env) -> Result<&'static Self, Error> {
        static PROCESS: OnceLock<Services> = OnceLock::new();
        if let Some(services) = PROCESS.get() {
            return Ok(services);
        }
        let services = Self::from_env(process)?;
        Ok(PROCESS.get_or_init(|| services))
    }

    /// The base URL of `name`.
    pub(crate) fn url(&self, name: &str) -> Result<&str, Error> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| Error::ServiceNotConfigured {
                name: name.to_owned(),
                known: self.0.keys().cloned().collect(),
            })
    }
}

/// The timeouts and retries of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) connect: Duration,
    pub(crate) total: Duration,
    pub(crate) backoff: Backoff,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect: DEFAULT_CONNECT_TIMEOUT,
            total: DEFAULT_TIMEOUT,
            backoff: DEFAULT_BACKOFF,
        }
    }
}

impl Limits {
    /// The defaults, overridden by the variables set in `env`.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        let defaults = Self::default();
        let attempts = env
            .parse::<u32>(MAX_ATTEMPTS_VAR)?
            .unwrap_or(defaults.backoff.attempts());
        if attempts == 0 {
            return Err(
                updraft_core::Error::invalid_var(MAX_ATTEMPTS_VAR, "at least 1 attempt").into(),
            );
        }
        let positive = |name: &str, value: Option<Duration>, default: Duration| match value {
            Some(Duration::ZERO) => Err(Error::from(updraft_core::Error::invalid_var(
                name,
                "a timeout of zero",
            ))),
            Some(value) => Ok(value),
            None => Ok(default),
        };
        Ok(Self {
            connect: positive(
                CONNECT_TIMEOUT_VAR,
                env.duration(CONNECT_TIMEOUT_VAR)?,
                defaults.connect,
            )?,
            total: positive(TIMEOUT_VAR, env.duration(TIMEOUT_VAR)?, defaults.total)?,
            backoff: defaults.backoff.with_attempts(attempts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_come_from_a_json_map_and_unknown_names_list_the_known() {
        let env = Env::from_pairs([(
            SERVICES_VAR,
            r#"{"orders": "https://orders.example.com/", "billing": "http://127.0.0.1:9"}"#,
        )]);
        let services = Services::from_env(&env).unwrap();
        assert_eq!(
            services.url("orders").unwrap(),
            "https://orders.example.com/"
        );
        match services.url("greeter") {
            Err(Error::ServiceNotConfigured { name, known }) => {
                assert_eq!(name, "greeter");
                assert_eq!(known, ["billing", "orders"]);
            }
            other => panic!("{other:?}"),
        }
        let none = Services::from_env(&Env::from_pairs::<&str, &str>([])).unwrap();
        assert!(
            none.url("x")
                .unwrap_err()
                .to_string()
                .contains("(known: none)")
        );
    }

    #[test]
    fn a_malformed_map_is_an_error_naming_the_variable() {
        for bad in [
            "not json",
            r#"["a"]"#,
            r#"{"orders": 5}"#,
            r#"{"orders": " "}"#,
            "{",
        ] {
            let error = Services::from_env(&Env::from_pairs([(SERVICES_VAR, bad)])).unwrap_err();
            assert!(
                matches!(&error, Error::Config(_)) && error.to_string().contains(SERVICES_VAR),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn limits_read_their_variables_and_refuse_nonsense() {
        let env = Env::from_pairs([
            (CONNECT_TIMEOUT_VAR, "500ms"),
            (TIMEOUT_VAR, "5"),
            (MAX_ATTEMPTS_VAR, "5"),
        ]);
        let limits = Limits::from_env(&env).unwrap();
        assert_eq!(limits.connect, Duration::from_millis(500));
        assert_eq!(limits.total, Duration::from_secs(5));
        assert_eq!(limits.backoff.attempts(), 5);
        assert_eq!(
            Limits::from_env(&Env::from_pairs::<&str, &str>([])).unwrap(),
            Limits::default()
        );
        for (name, value) in [
            (CONNECT_TIMEOUT_VAR, "soon"),
            (TIMEOUT_VAR, "0"),
            (MAX_ATTEMPTS_VAR, "0"),
            (MAX_ATTEMPTS_VAR, "-1"),
        ] {
            let error = Limits::from_env(&Env::from_pairs([(name, value)])).unwrap_err();
            assert!(error.to_string().contains(name), "{name}={value}: {error}");
        }
    }
}
