//! [`Settings`]: where the database is and how to log in, from the environment (the names
//! clear-skies uses) or from code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use updraft_core::Env;

use crate::Error;
use crate::token::TOKEN_LIFETIME;

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// PostgreSQL (RDS, Aurora PostgreSQL).
    Postgres,
    /// MySQL or MariaDB (RDS, Aurora MySQL).
    MySql,
}

impl Engine {
    /// The engine's default port.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::MySql => 3306,
        }
    }

    /// The engine named `value`: `postgres`, `postgresql`, `aurora-postgresql`, `mysql`,
    /// `mariadb` or `aurora-mysql` (any case).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownEngine`] naming `variable`.
    pub fn parse(variable: &'static str, value: &str) -> Result<Self, Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "aurora-postgresql" | "pg" => Ok(Engine::Postgres),
            "mysql" | "mariadb" | "aurora-mysql" | "aurora" => Ok(Engine::MySql),
            _ => Err(Error::UnknownEngine {
                name: variable,
                value: value.to_owned(),
            }),
        }
    }
}

/// How the pool logs in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A fresh RDS IAM token for each new connection, refreshed in the background.
    Iam,
    /// A fixed password, for local development.
    Password(SecretString),
}

/// The variables, each read in this lower-case form and then in upper case.
pub mod vars {
    /// The host, optionally with `:port`.
    pub const ENDPOINT: &str = "db_endpoint";
    /// The port, when the endpoint has none (default by engine).
    pub const PORT: &str = "db_port";
    /// The database user.
    pub const USERNAME: &str = "db_username";
    /// The database name.
    pub const DATABASE: &str = "db_database";
    /// The CA bundle file that verifies the server (such as RDS's `global-bundle.pem`).
    pub const CA_BUNDLE: &str = "ssl_ca_bundle_filename";
    /// `postgres` (default) or `mysql`.
    pub const ENGINE: &str = "db_engine";
    /// A password: when set, the pool logs in with it instead of IAM tokens.
    pub const PASSWORD: &str = "db_password";
    /// How often to refresh the token (default `10m`, less than 15 minutes).
    pub const REFRESH: &str = "db_token_refresh";
    /// The region of the database (default: the AWS configuration's).
    pub const REGION: &str = "AWS_REGION";
}

/// Where the database is and how to log in.
///
/// Built with [`Settings::new`] or [`Settings::from_env`], then the `with_` methods; the
/// fields are private so that every value has passed its check (a refresh interval of zero
/// would spin the refresh loop, one of 15 minutes or more would let tokens expire).
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) engine: Engine,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) username: String,
    pub(crate) database: Option<String>,
    pub(crate) ca_bundle: PathBuf,
    pub(crate) region: Option<String>,
    pub(crate) auth: Auth,
    pub(crate) refresh_every: Duration,
}

/// The default refresh interval: well inside the token's 15 minutes.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(10 * 60);

impl Settings {
    /// IAM login as `username` to `host` (the engine's default port), verified with
    /// `ca_bundle`.
    #[must_use]
    pub fn new(
        engine: Engine,
        host: impl Into<String>,
        username: impl Into<String>,
        ca_bundle: impl AsRef<Path>,
    ) -> Self {
        Self {
            engine,
            host: host.into(),
            port: engine.default_port(),
            username: username.into(),
            database: None,
            ca_bundle: ca_bundle.as_ref().to_owned(),
            region: None,
            auth: Auth::Iam,
            refresh_every: DEFAULT_REFRESH,
        }
    }

    /// The settings of the environment: [`vars`], lower case first, then upper case.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] (core's `MissingVar` or `InvalidVar`) or [`Error::UnknownEngine`],
    /// naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let engine = match read(env, vars::ENGINE) {
            Some(value) => Engine::parse(vars::ENGINE, value)?,
            None => Engine::Postgres,
        };
        let endpoint = require(
            env,
            vars::ENDPOINT,
            "the database host name, such as mydb.abc123.eu-west-1.rds.amazonaws.com",
        )?;
        let (host, port_in_endpoint) = split_endpoint(endpoint)?;
        let port = match (port_in_endpoint, read(env, vars::PORT)) {
            (Some(port), _) => port,
            (None, Some(text)) => parse_port(vars::PORT, text)?,
            (None, None) => engine.default_port(),
        };
        let username = require(
            env,
            vars::USERNAME,
            "the database user that has the rds_iam role",
        )?;
        let ca_bundle = require(
            env,
            vars::CA_BUNDLE,
            "the path of the CA bundle, such as /opt/rds/global-bundle.pem",
        )?;
        let mut settings = Self::new(engine, host, username, ca_bundle).with_port(port);
        settings.database = read(env, vars::DATABASE).map(str::to_owned);
        settings.region = env
            .non_empty(vars::REGION)
            .or_else(|| env.non_empty("AWS_DEFAULT_REGION"))
            .map(str::to_owned);
        if let Some(password) = read(env, vars::PASSWORD) {
            settings.auth = Auth::Password(SecretString::from(password));
        }
        let upper = vars::REFRESH.to_ascii_uppercase();
        let refresh_var = if env.non_empty(vars::REFRESH).is_some() {
            vars::REFRESH
        } else {
            upper.as_str()
        };
        if let Some(every) = env.duration(refresh_var)? {
            settings = settings.with_refresh_every(every)?;
        }
        Ok(settings)
    }

    /// With this port.
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// With this database.
    #[must_use]
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Signing tokens for this region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Logging in with this password instead of IAM tokens (local development).
    #[must_use]
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.auth = Auth::Password(SecretString::from(password.into()));
        self
    }

    /// Verifying the server with this CA bundle.
    #[must_use]
    pub fn with_ca_bundle(mut self, ca_bundle: impl AsRef<Path>) -> Self {
        ca_bundle.as_ref().clone_into(&mut self.ca_bundle);
        self
    }

    /// Refreshing the token this often.
    ///
    /// # Errors
    ///
    /// [`updraft_core::Error::InvalidVar`] (for `db_token_refresh`), inside [`Error::Config`],
    /// unless it is between 1 second and the token's 15 minutes.
    pub fn with_refresh_every(mut self, every: Duration) -> Result<Self, Error> {
        if every < Duration::from_secs(1) || every >= TOKEN_LIFETIME {
            return Err(invalid(
                vars::REFRESH,
                format!("{every:?} is not between 1 second and the token's 15 minutes"),
            ));
        }
        self.refresh_every = every;
        Ok(self)
    }

    /// The engine.
    #[must_use]
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The host name.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The database, if not the user's default.
    #[must_use]
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The CA bundle that verifies the server's certificate.
    #[must_use]
    pub fn ca_bundle(&self) -> &Path {
        &self.ca_bundle
    }

    /// The region to sign tokens for; `None` for the AWS configuration's.
    #[must_use]
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// IAM tokens or a password.
    #[must_use]
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// How often the token is refreshed.
    #[must_use]
    pub fn refresh_every(&self) -> Duration {
        self.refresh_every
    }

    /// The CA bundle's PEM.
    ///
    /// # Errors
    ///
    /// [`Error::CaBundle`] naming the path when it is missing, unreadable, or holds no
    /// certificate.
    pub fn ca_pem(&self) -> Result<Vec<u8>, Error> {
        let path = &self.ca_bundle;
        let pem = std::fs::read(path).map_err(|e| Error::CaBundle {
            path: path.clone(),
            reason: "it cannot be read".into(),
            source: Some(e),
        })?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(Error::CaBundle {
                path: path.clone(),
                reason: "it holds no PEM certificate".into(),
                source: None,
            });
        }
        Ok(pem)
    }
}

/// `name` or `NAME`, when set and not empty.
fn read<'a>(env: &'a Env, name: &'static str) -> Option<&'a str> {
    env.non_empty(name)
        .or_else(|| env.non_empty(&name.to_ascii_uppercase()))
        .map(str::trim)
}

/// `name` (or `NAME`); missing, core's `MissingVar` names it with what it should hold.
fn require<'a>(env: &'a Env, name: &'static str, hint: &'static str) -> Result<&'a str, Error> {
    read(env, name).ok_or_else(|| {
        Error::Config(updraft_core::Error::MissingVar {
            name: format!("{name} ({hint})"),
        })
    })
}

/// Core's `InvalidVar` for `name`.
pub(crate) fn invalid(name: &str, reason: String) -> Error {
    Error::Config(updraft_core::Error::invalid_var(name, reason))
}

fn parse_port(name: &'static str, text: &str) -> Result<u16, Error> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(invalid(name, format!("`{text}` is not a port (1-65535)"))),
    }
}

/// `host` or `host:port` (IPv6 in brackets).
fn split_endpoint(endpoint: &str) -> Result<(&str, Option<u16>), Error> {
    let (host, port) = match endpoint.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            (host, Some(parse_port(vars::ENDPOINT, port)?))
        }
        _ => (endpoint, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(['/', ' ']) {
        return Err(invalid(
            vars::ENDPOINT,
            format!("`{endpoint}` is not a host name"),
        ));
    }
    Ok((host, port))
}
