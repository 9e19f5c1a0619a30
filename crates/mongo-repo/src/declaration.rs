//! [`Declaration`]: what a repository is (its collection, where its database comes from, its
//! cluster and its indexes), apart from its model type, so that index sync can list
//! repositories of different models.

use futures_util::TryStreamExt;
use mongodb::bson::Document;
use mongodb::{Client, Collection, IndexModel};
use updraft_core::backoff::Backoff;

use crate::error::server_code;
use crate::{Error, Index, Mongo};

/// Where a repository's database comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// Always this database (aws-python-helper's `database_key = "core"`).
    Fixed(String),
    /// The current session's state, checked (aws-python-helper's `database_key = None`).
    State {
        /// Whether the state must be an active one in the states collection (on by default).
        checked: bool,
    },
}

/// A repository's declaration, without its model type.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub(crate) name: String,
    pub(crate) collection: String,
    pub(crate) route: Route,
    pub(crate) cluster: Option<String>,
    pub(crate) indexes: Vec<Index>,
}

impl Declaration {
    pub(crate) fn new(collection: String) -> Self {
        Self {
            name: collection.clone(),
            collection,
            route: Route::State { checked: true },
            cluster: None,
            indexes: Vec::new(),
        }
    }

    /// The repository's name in reports (the collection's, unless renamed).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The collection.
    #[must_use]
    pub fn collection(&self) -> &str {
        &self.collection
    }

    /// Where the database comes from.
    #[must_use]
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The external cluster, for a repository of one.
    #[must_use]
    pub fn cluster(&self) -> Option<&str> {
        self.cluster.as_deref()
    }

    /// The declared indexes.
    #[must_use]
    pub fn indexes(&self) -> &[Index] {
        &self.indexes
    }

    /// The client of the repository's cluster.
    pub(crate) fn client(&self, mongo: &Mongo) -> Result<Client, Error> {
        match &self.cluster {
            None => Ok(mongo.client().clone()),
            Some(cluster) => Ok(mongo.external(cluster)?.client().clone()),
        }
    }

    /// Creates every declared index in `database`, once: an index that already exists as
    /// declared is left alone, one that exists differently is [`Error::IndexConflict`]
    /// (nothing is created then). Returns the declared indexes' names.
    pub(crate) async fn ensure_indexes(
        &self,
        mongo: &Mongo,
        database: &str,
    ) -> Result<Vec<String>, Error> {
        let names: Vec<String> = self.indexes.iter().map(Index::name).collect();
        if self.indexes.is_empty() {
            return Ok(names);
        }
        let collection: Collection<Document> = self
            .client(mongo)?
            .database(database)
            .collection(&self.collection);
        let existing = existing_indexes(&collection).await?;
        let mut missing = Vec::new();
        for index in &self.indexes {
            let name = index.name();
            let same = existing.iter().find(|model| {
                model.options.as_ref().and_then(|o| o.name.as_deref()) == Some(name.as_str())
            });
            let found = same.or_else(|| existing.iter().find(|model| index.has_keys_of(model)));
            match found.map(|model| index.difference(model)) {
                Some(None) => {}
                Some(Some(difference)) => {
                    return Err(self.conflict(database, name, difference));
                }
                None => missing.push(index.model()),
            }
        }
        if missing.is_empty() {
            return Ok(names);
        }
        Backoff::default()
            .retry(Error::is_transient, || async {
                collection
                    .create_indexes(missing.clone())
                    .await
                    .map(drop)
                    .map_err(|error| {
                        match server_code(&error) {
                            // IndexOptionsConflict, IndexKeySpecsConflict: made between our read
                            // and our write, or a difference this crate does not compare.
                            Some(code @ (85 | 86)) => self.conflict(
                                database,
                                missing
                                    .iter()
                                    .filter_map(|m| m.options.as_ref().and_then(|o| o.name.clone()))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                format!("the server refused it (code {code})"),
                            ),
                            _ => Error::driver("createIndexes", error),
                        }
                    })
            })
            .await?;
        Ok(names)
    }

    fn conflict(&self, database: &str, index: String, difference: String) -> Error {
        Error::IndexConflict {
            database: database.to_owned(),
            collection: self.collection.clone(),
            index,
            difference,
        }
    }
}

/// The indexes a collection has; none when it does not exist yet.
async fn existing_indexes(collection: &Collection<Document>) -> Result<Vec<IndexModel>, Error> {
    Backoff::default()
        .retry(Error::is_transient, || async {
            let listed = async {
                collection
                    .list_indexes()
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            }
            .await;
            match listed {
                Ok(models) => Ok(models),
                // NamespaceNotFound: no collection, so no index.
                Err(error) if server_code(&error) == Some(26) => Ok(Vec::new()),
                Err(error) => Err(Error::driver("listIndexes", error)),
            }
        })
        .await
}
