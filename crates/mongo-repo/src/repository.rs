//! [`Repository`]: typed CRUD over one collection, in a fixed database or in the current
//! session's state.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::{Collection, Database};
use serde::Serialize;
use serde::de::DeserializeOwned;
use updraft_core::Session;

use crate::declaration::{Declaration, Route};
use crate::{Error, Index, Mongo};

/// A model type a repository can store: serde both ways, and shareable across tasks.
pub trait Model: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {}

impl<T> Model for T where T: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {}

/// Typed access to one collection; see the crate docs. Cheap to clone, and one value serves
/// concurrent requests of different states: the database is resolved at each call.
pub struct Repository<T> {
    mongo: Mongo,
    declaration: Arc<Declaration>,
    model: PhantomData<fn() -> T>,
}

impl<T> Clone for Repository<T> {
    fn clone(&self) -> Self {
        Self {
            mongo: self.mongo.clone(),
            declaration: self.declaration.clone(),
            model: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Repository<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("declaration", &self.declaration)
            .finish_non_exhaustive()
    }
}

/// What an update or replace did.
#[derive(Debug, Clone, PartialEq)]
pub struct Updated {
    /// Documents the filter matched.
    pub matched: u64,
    /// Documents changed.
    pub modified: u64,
    /// The `_id` of a document an upsert inserted.
    pub upserted: Option<Bson>,
}

impl From<mongodb::results::UpdateResult> for Updated {
    fn from(result: mongodb::results::UpdateResult) -> Self {
        Self {
            matched: result.matched_count,
            modified: result.modified_count,
            upserted: result.upserted_id,
        }
    }
}

impl Mongo {
    /// A repository of `collection` in the current session's state (checked against the
    /// active states); [`Repository::database`] fixes the database instead.
    #[must_use]
    pub fn repository<T: Model>(&self, collection: impl Into<String>) -> Repository<T> {
        Repository {
            mongo: self.clone(),
            declaration: Arc::new(Declaration::new(collection.into())),
            model: PhantomData,
        }
    }
}

impl<T: Model> Repository<T> {
    fn edit(mut self, change: impl FnOnce(&mut Declaration)) -> Self {
        change(Arc::make_mut(&mut self.declaration));
        self
    }

    /// Always uses database `name` (aws-python-helper's `database_key`).
    #[must_use]
    pub fn database(self, name: impl Into<String>) -> Self {
        self.edit(|d| d.route = Route::Fixed(name.into()))
    }

    /// Routes by the session's state without checking it against the states collection; the
    /// database-name rules still apply. For services that have no states collection.
    #[must_use]
    pub fn unchecked_states(self) -> Self {
        self.edit(|d| {
            if let Route::State { checked } = &mut d.route {
                *checked = false;
            }
        })
    }

    /// Lives in the external cluster `cluster` of `EXTERNAL_MONGODB_CONNECTIONS`.
    #[must_use]
    pub fn external(self, cluster: impl Into<String>) -> Self {
        self.edit(|d| d.cluster = Some(cluster.into()))
    }

    /// Declares an index; [`Repository::ensure_indexes`] and [`crate::IndexSync`] create it.
    #[must_use]
    pub fn index(self, index: Index) -> Self {
        self.edit(|d| d.indexes.push(index))
    }

    /// The name index-sync reports use (default: the collection's).
    #[must_use]
    pub fn named(self, name: impl Into<String>) -> Self {
        self.edit(|d| d.name = name.into())
    }

    /// The declaration, for [`crate::IndexSync`].
    #[must_use]
    pub fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    /// The name of the database a call made now would use: the fixed one, or the current
    /// session's state once it has passed the checks.
    ///
    /// # Errors
    ///
    /// [`updraft_core::Error::MissingSessionState`] (in [`Error::Core`]) without a state;
    /// [`Error::InvalidState`] for a state that is refused.
    pub async fn database_name(&self) -> Result<String, Error> {
        match &self.declaration.route {
            Route::Fixed(name) => Ok(name.clone()),
            Route::State { checked } => {
                let state = Session::with_current(|s| s.and_then(|s| s.state.clone()))
                    .ok_or(updraft_core::Error::MissingSessionState)?;
                if *checked {
                    self.mongo
                        .states()
                        .check(self.mongo.client(), &state)
                        .await?;
                } else {
                    crate::states::check_name(&state)?;
                }
                Ok(state)
            }
        }
    }

    /// The database a call made now would use.
    ///
    /// # Errors
    ///
    /// As [`Repository::database_name`], and [`Error::UnknownCluster`].
    pub async fn db(&self) -> Result<Database, Error> {
        let name = self.database_name().await?;
        Ok(self.declaration.client(&self.mongo)?.database(&name))
    }

    /// The driver's collection for a call made now, for anything the repository does not
    /// wrap (sorting, cursors, bulk writes, sessions).
    ///
    /// # Errors
    ///
    /// As [`Repository::db`].
    pub async fn collection(&self) -> Result<Collection<T>, Error> {
        Ok(self.db().await?.collection(&self.declaration.collection))
    }

    /// The collection in an explicit database, whatever the route (for tools and index sync).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownCluster`].
    pub fn collection_in(&self, database: &str) -> Result<Collection<T>, Error> {
        Ok(self
            .declaration
            .client(&self.mongo)?
            .database(database)
            .collection(&self.declaration.collection))
    }

    /// Creates the declared indexes in `database`, idempotently.
    ///
    /// # Errors
    ///
    /// [`Error::IndexConflict`] when an index exists with other keys or options;
    /// [`Error::Driver`] when a call fails.
    pub async fn ensure_indexes(&self, database: &str) -> Result<Vec<String>, Error> {
        self.declaration.ensure_indexes(&self.mongo, database).await
    }

    /// Inserts `document`; returns its `_id`.
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`] when a unique index refuses it; as [`Repository::collection`].
    pub async fn insert_one(&self, document: &T) -> Result<Bson, Error> {
        let result = self
            .collection()
            .await?
            .insert_one(document)
            .await
            .map_err(|e| Error::driver("insert", e))?;
        Ok(result.inserted_id)
    }

    /// Inserts `documents`, in order; returns their `_id`s.
    ///
    /// # Errors
    ///
    /// As [`Repository::insert_one`].
    pub async fn insert_many(
        &self,
        documents: impl IntoIterator<Item = impl Borrow<T>>,
    ) -> Result<Vec<Bson>, Error> {
        let documents: Vec<_> = documents.into_iter().collect();
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        let result = self
            .collection()
            .await?
            .insert_many(documents.iter().map(Borrow::borrow))
            .await
            .map_err(|e| Error::driver("insert", e))?;
        let mut ids: Vec<(usize, Bson)> = result.inserted_ids.into_iter().collect();
        ids.sort_by_key(|(position, _)| *position);
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// The first document that matches `filter`.
    ///
    /// # Errors
    ///
    /// As [`Repository::collection`]; [`Error::Driver`] when the document does not
    /// deserialize into `T`.
    pub async fn find_one(&self, filter: Document) -> Result<Option<T>, Error> {
        self.collection()
            .await?
            .find_one(filter)
            .await
            .map_err(|e| Error::driver("find", e))
    }

    /// The document with this `_id`.
    ///
    /// # Errors
    ///
    /// As [`Repository::find_one`].
    pub async fn find_by_id(&self, id: impl Into<Bson>) -> Result<Option<T>, Error> {
        self.find_one(doc! { "_id": id.into() }).await
    }

    /// Every document that matches `filter`. For large results, sort or page through the
    /// driver's cursor from [`Repository::collection`].
    ///
    /// # Errors
    ///
    /// As [`Repository::find_one`].
    pub async fn find(&self, filter: Document) -> Result<Vec<T>, Error> {
        self.collection()
            .await?
            .find(filter)
            .await
            .map_err(|e| Error::driver("find", e))?
            .try_collect()
            .await
            .map_err(|e| Error::driver("find", e))
    }

    /// How many documents match `filter`.
    ///
    /// # Errors
    ///
    /// As [`Repository::collection`].
    pub async fn count(&self, filter: Document) -> Result<u64, Error> {
        self.collection()
            .await?
            .count_documents(filter)
            .await
            .map_err(|e| Error::driver("count", e))
    }

    /// Replaces the first document that matches `filter` with `document`; with `upsert`,
    /// inserts it when none matches.
    ///
    /// # Errors
    ///
    /// As [`Repository::insert_one`].
    pub async fn replace_one(
        &self,
        filter: Document,
        document: &T,
        upsert: bool,
    ) -> Result<Updated, Error> {
        let result = self
            .collection()
            .await?
            .replace_one(filter, document)
            .upsert(upsert)
            .await
            .map_err(|e| Error::driver("replace", e))?;
        Ok(result.into())
    }

    /// Applies `update` (`$set`, `$inc`, … or a pipeline document) to the first document
    /// that matches `filter`.
    ///
    /// # Errors
    ///
    /// As [`Repository::insert_one`].
    pub async fn update_one(&self, filter: Document, update: Document) -> Result<Updated, Error> {
        let result = self
            .collection()
            .await?
            .update_one(filter, update)
            .await
            .map_err(|e| Error::driver("update", e))?;
        Ok(result.into())
    }

    /// Applies `update` to every document that matches `filter`.
    ///
    /// # Errors
    ///
    /// As [`Repository::insert_one`].
    pub async fn update_many(&self, filter: Document, update: Document) -> Result<Updated, Error> {
        let result = self
            .collection()
            .await?
            .update_many(filter, update)
            .await
            .map_err(|e| Error::driver("update", e))?;
        Ok(result.into())
    }

    /// Deletes the first document that matches `filter`; returns how many went (0 or 1).
    ///
    /// # Errors
    ///
    /// As [`Repository::collection`].
    pub async fn delete_one(&self, filter: Document) -> Result<u64, Error> {
        let result = self
            .collection()
            .await?
            .delete_one(filter)
            .await
            .map_err(|e| Error::driver("delete", e))?;
        Ok(result.deleted_count)
    }

    /// Deletes every document that matches `filter`; returns how many went.
    ///
    /// # Errors
    ///
    /// As [`Repository::collection`].
    pub async fn delete_many(&self, filter: Document) -> Result<u64, Error> {
        let result = self
            .collection()
            .await?
            .delete_many(filter)
            .await
            .map_err(|e| Error::driver("delete", e))?;
        Ok(result.deleted_count)
    }

    /// Runs an aggregation pipeline; returns its documents.
    ///
    /// # Errors
    ///
    /// As [`Repository::collection`].
    pub async fn aggregate(&self, pipeline: Vec<Document>) -> Result<Vec<Document>, Error> {
        self.collection()
            .await?
            .aggregate(pipeline)
            .await
            .map_err(|e| Error::driver("aggregate", e))?
            .try_collect()
            .await
            .map_err(|e| Error::driver("aggregate", e))
    }
}
