//! [`Mongo`]: the process's clients (the main cluster and the external ones), built once from
//! the environment and shared.

use std::collections::BTreeMap;
use std::sync::Arc;

use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use serde::Deserialize;
use tokio::sync::OnceCell;
use updraft_core::{Env, Error as CoreError};

use crate::Error;
use crate::states::{StateCheck, States};
use crate::uri::{Credentials, main_uri};

/// The clients of one process: the main cluster, the external clusters, the default
/// database's name and the states check. Cheap to clone (an `Arc` inside); build it once at
/// cold start, or use [`Mongo::shared`].
#[derive(Clone)]
pub struct Mongo(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    main: Client,
    default_database: Option<String>,
    external: BTreeMap<String, Client>,
    states: Arc<StateCheck>,
}

impl std::fmt::Debug for Mongo {
    /// Names the default database and the external clusters; never a connection string.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mongo")
            .field("default_database", &self.0.default_database)
            .field("external", &self.0.external.keys().collect::<Vec<_>>())
            .field("states", self.0.states.source())
            .finish_non_exhaustive()
    }
}

/// One entry of `EXTERNAL_MONGODB_CONNECTIONS`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalEntry {
    name: String,
    connection_string: String,
}

static SHARED: OnceCell<Mongo> = OnceCell::const_new();

impl Mongo {
    /// Builds the clients from the environment (see the crate docs for the variables). No
    /// connection is opened until the first call.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] naming the variable that is missing or malformed.
    pub async fn from_env(env: &Env) -> Result<Self, Error> {
        let credentials = Credentials::from_env(env)?;
        let (uri, variable) = main_uri(env, &credentials)?;
        let main = client(&uri, variable, &credentials).await?;
        let mut external = BTreeMap::new();
        if let Some(list) = env.non_empty("EXTERNAL_MONGODB_CONNECTIONS") {
            let entries: Vec<ExternalEntry> =
                serde_json::from_str(list).map_err(|e| CoreError::InvalidVar {
                    name: "EXTERNAL_MONGODB_CONNECTIONS".into(),
                    reason: format!(
                        "expected a JSON list of {{\"name\", \"connection_string\"}}: {}",
                        credentials.scrub(&e.to_string())
                    ),
                })?;
            for entry in entries {
                let uri =
                    credentials.inject(&entry.connection_string, "EXTERNAL_MONGODB_CONNECTIONS")?;
                let cluster = client(&uri, "EXTERNAL_MONGODB_CONNECTIONS", &credentials).await?;
                if external.insert(entry.name.clone(), cluster).is_some() {
                    return Err(CoreError::InvalidVar {
                        name: "EXTERNAL_MONGODB_CONNECTIONS".into(),
                        reason: format!("the cluster `{}` is listed twice", entry.name),
                    }
                    .into());
                }
            }
        }
        Ok(Self(Arc::new(Inner {
            main,
            default_database: env.non_empty("MONGO_DB_NAME").map(str::to_owned),
            external,
            states: Arc::new(StateCheck::new(States::default())),
        })))
    }

    /// Clients for one connection string, with no external cluster and no default database
    /// (for tools and tests).
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when `uri` is not a MongoDB connection string.
    pub async fn connect(uri: &str) -> Result<Self, Error> {
        Self::from_env(&Env::from_pairs([("MONGODB_URI", uri)])).await
    }

    /// The process's shared clients, built from [`Env::load`] on first use. A failure is not
    /// kept: the next call tries again.
    ///
    /// # Errors
    ///
    /// As [`Env::load`] and [`Mongo::from_env`].
    pub async fn shared() -> Result<Self, Error> {
        SHARED
            .get_or_try_init(|| async { Self::from_env(&Env::load()?).await })
            .await
            .cloned()
    }

    /// The same clients, with the active states read from `states` (default `core.states`,
    /// field `name`).
    #[must_use]
    pub fn with_states(self, states: States) -> Self {
        let mut inner = (*self.0).clone();
        inner.states = Arc::new(StateCheck::new(states));
        Self(Arc::new(inner))
    }

    /// The main cluster's driver client.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.0.main
    }

    /// A database of the main cluster, for ad-hoc access (aws-python-helper's `self.db`).
    #[must_use]
    pub fn db(&self, name: &str) -> Database {
        self.0.main.database(name)
    }

    /// The database `MONGO_DB_NAME` names.
    ///
    /// # Errors
    ///
    /// [`Error::NoDefaultDatabase`] when the variable is not set.
    pub fn default_db(&self) -> Result<Database, Error> {
        self.0
            .default_database
            .as_deref()
            .map(|name| self.db(name))
            .ok_or(Error::NoDefaultDatabase)
    }

    /// An external cluster of `EXTERNAL_MONGODB_CONNECTIONS` (aws-python-helper's
    /// `self.external_db`).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownCluster`], listing the known names.
    pub fn external(&self, cluster: &str) -> Result<Cluster, Error> {
        self.0
            .external
            .get(cluster)
            .map(|client| Cluster {
                name: cluster.to_owned(),
                client: client.clone(),
            })
            .ok_or_else(|| Error::UnknownCluster {
                name: cluster.to_owned(),
                known: self.0.external.keys().cloned().collect(),
            })
    }

    /// The names of the external clusters.
    pub fn clusters(&self) -> impl Iterator<Item = &str> {
        self.0.external.keys().map(String::as_str)
    }

    pub(crate) fn states(&self) -> &StateCheck {
        &self.0.states
    }
}

/// An external cluster: its name and its driver client.
#[derive(Debug, Clone)]
pub struct Cluster {
    name: String,
    client: Client,
}

impl Cluster {
    /// The cluster's name in `EXTERNAL_MONGODB_CONNECTIONS`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One of its databases.
    #[must_use]
    pub fn db(&self, name: &str) -> Database {
        self.client.database(name)
    }

    /// Its driver client.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// A database of the shared main cluster ([`Mongo::shared`]).
///
/// # Errors
///
/// As [`Mongo::shared`].
pub async fn db(name: &str) -> Result<Database, Error> {
    Ok(Mongo::shared().await?.db(name))
}

/// An external cluster of the shared clients ([`Mongo::shared`]).
///
/// # Errors
///
/// As [`Mongo::shared`], and [`Error::UnknownCluster`].
pub async fn external(cluster: &str) -> Result<Cluster, Error> {
    Mongo::shared().await?.external(cluster)
}

/// A client for `uri`; a parse error names `variable`, with any password blotted out.
async fn client(uri: &str, variable: &str, credentials: &Credentials) -> Result<Client, Error> {
    let invalid = |error: mongodb::error::Error| CoreError::InvalidVar {
        name: variable.to_owned(),
        reason: credentials.scrub(&error.to_string()),
    };
    let mut options = ClientOptions::parse(uri).await.map_err(invalid)?;
    if options.app_name.is_none() {
        options.app_name = Some("updraft".into());
    }
    Ok(Client::with_options(options).map_err(invalid)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clients_come_from_the_variables_and_debug_shows_no_password() {
        let env = Env::from_pairs([
            ("MONGO_DB_HOST", "127.0.0.1:1"),
            ("MONGO_DB_USER", "svc"),
            ("MONGO_DB_PASSWORD", "hunter2"),
            ("MONGO_DB_NAME", "orders"),
            (
                "EXTERNAL_MONGODB_CONNECTIONS",
                r#"[{"name": "Analytics", "connection_string": "mongodb://127.0.0.1:2"}]"#,
            ),
        ]);
        let mongo = Mongo::from_env(&env).await.unwrap();
        assert_eq!(mongo.default_db().unwrap().name(), "orders");
        assert_eq!(mongo.external("Analytics").unwrap().db("x").name(), "x");
        assert_eq!(mongo.clusters().collect::<Vec<_>>(), ["Analytics"]);
        let debug = format!("{mongo:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("svc"),
            "{debug}"
        );
        let unknown = mongo.external("Dockets").unwrap_err();
        assert!(
            unknown.to_string().contains("known: Analytics"),
            "{unknown}"
        );
    }

    #[tokio::test]
    async fn malformed_external_lists_name_the_variable() {
        for list in [
            "not json",
            r#"[{"name": "A"}]"#,
            r#"[{"name": "A", "connection_string": "http://x"}]"#,
            r#"[{"name": "A", "connection_string": "mongodb://h"}, {"name": "A", "connection_string": "mongodb://h"}]"#,
        ] {
            let env = Env::from_pairs([
                ("MONGODB_URI", "mongodb://127.0.0.1:1"),
                ("EXTERNAL_MONGODB_CONNECTIONS", list),
            ]);
            let error = Mongo::from_env(&env).await.unwrap_err();
            assert!(
                error.to_string().contains("EXTERNAL_MONGODB_CONNECTIONS"),
                "{list}: {error}"
            );
        }
        let no_default = Mongo::connect("mongodb://127.0.0.1:1").await.unwrap();
        assert!(matches!(
            no_default.default_db(),
            Err(Error::NoDefaultDatabase)
        ));
    }

    #[tokio::test]
    async fn a_driver_parse_error_never_quotes_the_password() {
        let env = Env::from_pairs([
            ("MONGO_DB_HOST", "127.0.0.1:1"),
            ("MONGO_DB_USER", "svc"),
            ("MONGO_DB_PASSWORD", "hunter2"),
            ("MONGO_DB_OPTIONS", "tls=maybe"),
        ]);
        let error = Mongo::from_env(&env).await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains("MONGO_DB_HOST"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
