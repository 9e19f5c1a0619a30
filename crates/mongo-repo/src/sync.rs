//! [`IndexSync`]: every declared index of a service, in its fixed database or in every active
//! state, in one run (aws-python-helper's `ModelIndexSyncLambda`).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::declaration::{Declaration, Route};
use crate::states::{StateCheck, States};
use crate::{Error, Mongo};

/// Creates the indexes of a list of repositories; see the module docs.
///
/// ```no_run
/// use updraft_mongo_repo::{Index, IndexSync, Mongo, bson::Document};
///
/// # async fn run() -> Result<(), updraft_mongo_repo::Error> {
/// let mongo = Mongo::shared().await?;
/// let orders = mongo.repository::<Document>("orders").index(Index::asc("customer_id"));
/// let users = mongo.repository::<Document>("users").database("core").index(Index::asc("email").unique());
/// let report = IndexSync::new(&mongo, [orders.declaration(), users.declaration()])
///     .run()
///     .await?;
/// println!("{}", serde_json::to_string(&report).unwrap());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct IndexSync {
    mongo: Mongo,
    declarations: Vec<Declaration>,
    states: Option<States>,
}

/// One line of the report: the indexes of one repository in one database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Synced {
    /// The repository's name.
    pub repository: String,
    /// The database.
    pub database: String,
    /// The collection.
    pub collection: String,
    /// The names of its declared indexes, all present now.
    pub indexes: Vec<String>,
}

impl IndexSync {
    /// Syncs the indexes of `repositories` (their [`crate::Repository::declaration`]s).
    #[must_use]
    pub fn new<'a>(mongo: &Mongo, repositories: impl IntoIterator<Item = &'a Declaration>) -> Self {
        Self {
            mongo: mongo.clone(),
            declarations: repositories.into_iter().cloned().collect(),
            states: None,
        }
    }

    /// Reads the active states from `states` instead of the clients' setting (default
    /// `core.states`, field `name`).
    #[must_use]
    pub fn states(mut self, states: States) -> Self {
        self.states = Some(states);
        self
    }

    /// Creates every declared index: a fixed repository's in its database, a state-scoped
    /// one's in every active state. Idempotent; a progress bar shows on a terminal.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] for an empty list; [`Error::IndexConflict`] when an index exists
    /// differently (the databases before it are done); [`Error::Driver`] when a call fails.
    pub async fn run(&self) -> Result<Vec<Synced>, Error> {
        if self.declarations.is_empty() {
            return Err(Error::Rejected(
                "index sync needs at least one repository".into(),
            ));
        }
        let targets = self.targets().await?;
        let progress = progress(targets.len());
        let mut report = Vec::with_capacity(targets.len());
        for (declaration, database) in targets {
            progress.set_message(format!("{database}.{}", declaration.collection()));
            let indexes = declaration.ensure_indexes(&self.mongo, &database).await?;
            tracing::info!(
                repository = declaration.name(),
                database,
                collection = declaration.collection(),
                indexes = indexes.len(),
                "indexes in place"
            );
            report.push(Synced {
                repository: declaration.name().to_owned(),
                database,
                collection: declaration.collection().to_owned(),
                indexes,
            });
            progress.inc(1);
        }
        progress.finish_and_clear();
        Ok(report)
    }

    /// Each repository with each database it lives in; the states are read once.
    async fn targets(&self) -> Result<Vec<(&Declaration, String)>, Error> {
        let needs_states = self
            .declarations
            .iter()
            .any(|d| matches!(d.route(), Route::State { .. }));
        let states = if needs_states {
            match &self.states {
                Some(source) => {
                    StateCheck::new(source.clone())
                        .active(self.mongo.client())
                        .await?
                }
                None => self.mongo.states().active(self.mongo.client()).await?,
            }
        } else {
            Vec::new()
        };
        let mut targets = Vec::new();
        for declaration in &self.declarations {
            match declaration.route() {
                Route::Fixed(database) => targets.push((declaration, database.clone())),
                Route::State { .. } => {
                    targets.extend(states.iter().map(|state| (declaration, state.clone())));
                }
            }
        }
        Ok(targets)
    }
}

/// A bar on stderr when it is a terminal; hidden otherwise (in Lambda, in CI).
fn progress(length: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(length).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} indexes {msg}") {
        bar.set_style(style);
    }
    bar
}
