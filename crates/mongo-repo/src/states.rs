//! The states a session may route to: a database-name check, then a cached lookup in the
//! states collection (aws-python-helper's `StateValidator`: `core.states`, active only).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use mongodb::Client;
use mongodb::bson::{Bson, Document, doc};
use updraft_core::backoff::Backoff;

use crate::Error;

/// Where the active states are listed: documents `{<field>: <name>, is_active: true}` in one
/// collection. The default is aws-python-helper's: field `name` of `core.states`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct States {
    database: String,
    collection: String,
    field: String,
    ttl: Duration,
}

impl Default for States {
    /// `core.states`, field `name`, answers cached for 30 seconds.
    fn default() -> Self {
        Self {
            database: "core".into(),
            collection: "states".into(),
            field: "name".into(),
            ttl: Duration::from_secs(30),
        }
    }
}

impl States {
    /// The states of `database.collection`, named by `field`.
    #[must_use]
    pub fn new(
        database: impl Into<String>,
        collection: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        Self {
            database: database.into(),
            collection: collection.into(),
            field: field.into(),
            ..Self::default()
        }
    }

    /// How long an answer (active or not) is reused: a state switched off stops routing
    /// within this time. Default 30 seconds.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The database that holds the states collection.
    #[must_use]
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The collection.
    #[must_use]
    pub fn collection(&self) -> &str {
        &self.collection
    }

    /// The field that holds a state's name.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }
}

/// Cached answers are dropped all at once past this many, so names a caller makes up cannot
/// grow the cache without bound.
const CACHE_LIMIT: usize = 1024;

/// [`States`] with its cache of answers.
#[derive(Debug)]
pub(crate) struct StateCheck {
    source: States,
    answers: Mutex<HashMap<String, (bool, Instant)>>,
}

impl StateCheck {
    pub(crate) fn new(source: States) -> Self {
        Self {
            source,
            answers: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn source(&self) -> &States {
        &self.source
    }

    /// Passes when `state` can name a database and is an active state.
    pub(crate) async fn check(&self, client: &Client, state: &str) -> Result<(), Error> {
        check_name(state)?;
        let active = if let Some(active) = self.cached(state) {
            active
        } else {
            let active = self.lookup(client, state).await?;
            self.remember(state, active);
            active
        };
        if active {
            Ok(())
        } else {
            Err(invalid(state, "it is not an active state"))
        }
    }

    fn cached(&self, state: &str) -> Option<bool> {
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        answers
            .get(state)
            .filter(|(_, at)| at.elapsed() < self.source.ttl)
            .map(|(active, _)| *active)
    }

    fn remember(&self, state: &str, active: bool) {
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if answers.len() >= CACHE_LIMIT {
            answers.clear();
        }
        answers.insert(state.to_owned(), (active, Instant::now()));
    }

    async fn lookup(&self, client: &Client, state: &str) -> Result<bool, Error> {
        let states = self.collection(client);
        let filter = doc! { self.source.field.as_str(): state, "is_active": true };
        Backoff::default()
            .retry(Error::is_transient, || async {
                states
                    .find_one(filter.clone())
                    .projection(doc! { "_id": 1 })
                    .await
                    .map(|found| found.is_some())
                    .map_err(|e| Error::driver("find", e))
            })
            .await
    }

    /// Every active state, in the order of their names; each is checked to name a database.
    pub(crate) async fn active(&self, client: &Client) -> Result<Vec<String>, Error> {
        let states = self.collection(client);
        let field = self.source.field.as_str();
        let documents: Vec<Document> = Backoff::default()
            .retry(Error::is_transient, || async {
                states
                    .find(doc! { "is_active": true })
                    .projection(doc! { field: 1 })
                    .await
                    .map_err(|e| Error::driver("find", e))?
                    .try_collect()
                    .await
                    .map_err(|e| Error::driver("find", e))
            })
            .await?;
        let mut names = Vec::with_capacity(documents.len());
        for document in documents {
            if let Some(Bson::String(name)) = document.get(field) {
                check_name(name)?;
                names.push(name.clone());
            } else {
                tracing::warn!(
                    id = %document.get("_id").map(ToString::to_string).unwrap_or_default(),
                    field,
                    "an active state has no name; skipped"
                );
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn collection(&self, client: &Client) -> mongodb::Collection<Document> {
        client
            .database(&self.source.database)
            .collection(&self.source.collection)
    }
}

/// MongoDB's rules for a database name, plus the server's own databases, which no state may
/// reach.
pub(crate) fn check_name(state: &str) -> Result<(), Error> {
    if state.is_empty() {
        return Err(invalid(state, "a database name cannot be empty"));
    }
    if state.len() > 63 {
        return Err(invalid(state, "a database name has at most 63 bytes"));
    }
    if state.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '/' | '\\' | '.' | ' ' | '"' | '$' | '*' | '<' | '>' | ':' | '|' | '?'
            )
    }) {
        return Err(invalid(
            state,
            "a database name cannot hold spaces, control characters or any of / \\ . \" $ * < > : | ?",
        ));
    }
    if matches!(
        state.to_ascii_lowercase().as_str(),
        "admin" | "local" | "config"
    ) {
        return Err(invalid(state, "it names one of the server's own databases"));
    }
    Ok(())
}

fn invalid(state: &str, reason: &'static str) -> Error {
    Error::InvalidState {
        state: state.escape_debug().take(80).collect(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_database_rules() {
        for good in ["connecticut", "new_jersey", "NY-2", "é"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let long = "x".repeat(64);
        for bad in [
            "", "a.b", "a b", "a/b", "a$b", "a\0b", "a\nb", "admin", "Local", "config", &long,
        ] {
            let error = check_name(bad).unwrap_err();
            assert!(matches!(error, Error::InvalidState { .. }), "{bad:?}");
        }
    }

    #[test]
    fn a_refused_state_is_quoted_escaped_and_short() {
        let error = check_name(&format!("a\n{}", "b".repeat(200))).unwrap_err();
        let Error::InvalidState { state, .. } = error else {
            panic!("not InvalidState");
        };
        assert!(state.starts_with("a\\n"));
        assert_eq!(state.chars().count(), 80);
    }
}
