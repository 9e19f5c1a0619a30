//! The model-query proxy (feature `proxy`): an invoke-context Lambda that answers `find` and
//! `aggregate` over a whitelist of collections, in the database of the caller's state
//! (aws-python-helper's `ModelQueryLambda`, closed by default).
//!
//! It takes aws-python-helper's flat payload, so its callers work unchanged:
//!
//! ```json
//! {"session": {"state": "connecticut"}, "collection": "orders",
//!  "filter": {"_id": {"$in": ["65f1a2b3c4d5e6f7a8b9c0d1"]}}, "fields": {"total": 1}, "limit": 20}
//! ```
//!
//! or `"pipeline": [...]` instead of `filter` / `fields`. The answer is
//! `{"success": true, "data": [...]}` with the documents as JSON ([`crate::json`]), or
//! `{"success": false, "error": "..."}`.
//!
//! Refused before any query is sent, at any depth, naming the operator:
//! [`REFUSED_OPERATORS`] (`$where`, `$function`, `$accumulator`: JavaScript; `$out`, `$merge`:
//! writes), stages that read another collection (`$lookup`, `$graphLookup`, `$unionWith`,
//! also in sub-pipelines and `$facet`) unless it is whitelisted, and every stage that is not
//! in [`PLAIN_STAGES`] or one of those four. Every query carries `maxTimeMS`; a request
//! without `limit` gets the maximum, one above it is refused; and an answer larger than the
//! response limit is an error, not a truncated list.
//!
//! ```no_run
//! use updraft_mongo_repo::{Mongo, proxy::QueryProxy};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mongo = Mongo::shared().await?;
//!     QueryProxy::new(&mongo, ["orders", "customers"]).run().await?;
//!     Ok(())
//! }
//! ```

mod guard;

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde::Deserialize;
use serde_json::{Map, Value};
use updraft_contexts::invoke::{self, Invoke};
use updraft_core::envelope::Envelope;
use updraft_core::error::{Report, Surface};

pub use guard::{PLAIN_STAGES, REFUSED_OPERATORS};

use crate::{Error, Mongo};
use guard::{Guard, list};

/// The future of one proxied query, as the invoke context runs it.
type Answer = Pin<Box<dyn Future<Output = Result<Vec<Value>, String>> + Send>>;

/// One query, as the flat payload carries it beside `session`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Query {
    /// The collection, which must be whitelisted.
    pub collection: String,
    /// An aggregation pipeline (instead of `filter` and `fields`).
    #[serde(default)]
    pub pipeline: Option<Vec<Map<String, Value>>>,
    /// A find filter (default `{}`); `_id` / `id` hex strings become `ObjectId`s.
    #[serde(default)]
    pub filter: Option<Map<String, Value>>,
    /// A projection, with `filter` only.
    #[serde(default)]
    pub fields: Option<Map<String, Value>>,
    /// At most this many documents (default and maximum: the proxy's limit).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Documents to skip first.
    #[serde(default)]
    pub skip: Option<u32>,
}

/// The proxy; see the module docs.
#[derive(Debug, Clone)]
pub struct QueryProxy {
    mongo: Mongo,
    allowed: Arc<BTreeSet<String>>,
    max_limit: u32,
    max_time: Duration,
    max_bytes: usize,
    checked: bool,
}

impl QueryProxy {
    /// A proxy over `collections` of the caller's state database.
    #[must_use]
    pub fn new<S: Into<String>>(mongo: &Mongo, collections: impl IntoIterator<Item = S>) -> Self {
        Self {
            mongo: mongo.clone(),
            allowed: Arc::new(collections.into_iter().map(Into::into).collect()),
            max_limit: 1000,
            max_time: Duration::from_secs(5),
            max_bytes: 5_000_000,
            checked: true,
        }
    }

    /// The most documents one query returns (default 1,000), and the limit of a request that
    /// names none.
    #[must_use]
    pub fn max_limit(mut self, limit: u32) -> Self {
        self.max_limit = limit.max(1);
        self
    }

    /// The server-side time limit of every query (`maxTimeMS`, default 5 seconds).
    #[must_use]
    pub fn max_time(mut self, limit: Duration) -> Self {
        self.max_time = limit;
        self
    }

    /// The largest answer, in bytes of JSON (default 5,000,000: below Lambda's 6 MB response
    /// payload with the envelope around it).
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_bytes = limit;
        self
    }

    /// Routes by the session's state without checking it against the states collection.
    #[must_use]
    pub fn unchecked_states(mut self) -> Self {
        self.checked = false;
        self
    }

    /// Answers `query` in the current session's state database.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] for a query the proxy refuses; [`Error::InvalidState`] and
    /// [`Error::Core`] for the session; [`Error::ResponseTooLarge`]; [`Error::Driver`].
    pub async fn query(&self, query: Query) -> Result<Vec<Value>, Error> {
        let limit = self.plan(&query)?;
        let guard = Guard {
            allowed: &self.allowed,
        };
        let mut repository = self.mongo.repository::<Document>(query.collection.clone());
        if !self.checked {
            repository = repository.unchecked_states();
        }
        if let Some(stages) = query.pipeline {
            let mut stages = stages
                .into_iter()
                .enumerate()
                .map(|(i, stage)| to_document(stage, &format!("pipeline[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            guard.pipeline(&mut stages, "pipeline")?;
            if let Some(skip) = query.skip {
                stages.push(doc! { "$skip": i64::from(skip) });
            }
            stages.push(doc! { "$limit": i64::from(limit) });
            let collection = repository.collection().await?;
            let cursor = collection
                .aggregate(stages)
                .max_time(self.max_time)
                .await
                .map_err(|e| Error::driver("aggregate", e))?;
            self.collect(cursor, "aggregate").await
        } else {
            let filter = guard::filter(to_document(query.filter.unwrap_or_default(), "filter")?)?;
            let fields = query
                .fields
                .map(|fields| to_document(fields, "fields"))
                .transpose()?;
            if let Some(fields) = &fields {
                guard::projection(fields)?;
            }
            let collection = repository.collection().await?;
            let mut find = collection
                .find(filter)
                .limit(i64::from(limit))
                .max_time(self.max_time);
            if let Some(fields) = fields {
                find = find.projection(fields);
            }
            if let Some(skip) = query.skip {
                find = find.skip(u64::from(skip));
            }
            let cursor = find.await.map_err(|e| Error::driver("find", e))?;
            self.collect(cursor, "find").await
        }
    }

    /// The checks of the payload's shape; the effective limit.
    fn plan(&self, query: &Query) -> Result<u32, Error> {
        if !self.allowed.contains(&query.collection) {
            return Err(Error::Rejected(format!(
                "the collection `{}` is not allowed; allowed: {}",
                query
                    .collection
                    .chars()
                    .take(120)
                    .collect::<String>()
                    .escape_debug(),
                list(&self.allowed)
            )));
        }
        if query.pipeline.is_some() && query.fields.is_some() {
            return Err(Error::Rejected(
                "`pipeline` and `fields` cannot be combined: project in the pipeline".into(),
            ));
        }
        if query.pipeline.is_some() && query.filter.is_some() {
            return Err(Error::Rejected(
                "give either `pipeline` or `filter`, not both: match in the pipeline".into(),
            ));
        }
        match query.limit {
            None => Ok(self.max_limit),
            Some(0) => Err(Error::Rejected("`limit` must be at least 1".into())),
            Some(limit) if limit > self.max_limit => Err(Error::Rejected(format!(
                "`limit` is at most {}",
                self.max_limit
            ))),
            Some(limit) => Ok(limit),
        }
    }

    /// The documents of a cursor as JSON, stopping as soon as they pass the size limit.
    async fn collect(
        &self,
        mut cursor: mongodb::Cursor<Document>,
        operation: &'static str,
    ) -> Result<Vec<Value>, Error> {
        let mut documents = Vec::new();
        // The brackets of the list.
        let mut size = 2;
        while let Some(document) = cursor
            .try_next()
            .await
            .map_err(|e| Error::driver(operation, e))?
        {
            let value = crate::json::to_json(&document);
            let mut counted = Counted(0);
            if serde_json::to_writer(&mut counted, &value).is_err() {
                return Err(Error::Convert(
                    "a document cannot be written as JSON".into(),
                ));
            }
            size += counted.0 + 1;
            if size > self.max_bytes {
                return Err(Error::ResponseTooLarge {
                    limit: self.max_bytes,
                });
            }
            documents.push(value);
        }
        Ok(documents)
    }

    /// The proxy as an invoke-context handler in flat mode: a session with a state is
    /// required. A refusal answers its message; any other failure its stable public text,
    /// with the whole error in the log.
    pub fn handler(self) -> Invoke<impl Fn(Query) -> Answer + Send + Sync + 'static, Query> {
        invoke::handler(move |query: Query| {
            let proxy = self.clone();
            let answer: Answer = Box::pin(async move {
                proxy.query(query).await.map_err(|error| {
                    tracing::warn!(error = %Report(&error), "query refused or failed");
                    error.public_message().into_owned()
                })
            });
            answer
        })
        .flat()
    }

    /// Answers one event (what the Lambda answers; for tests and local runs).
    pub async fn call(&self, event: Value) -> Envelope {
        self.clone().handler().call(event).await
    }

    /// Serves the proxy: in Lambda, or once on an event file outside it (see
    /// `updraft_contexts::cli`).
    ///
    /// # Errors
    ///
    /// As `updraft_contexts::invoke::Invoke::run`.
    pub async fn run(self) -> Result<(), updraft_contexts::Error> {
        self.handler().run().await
    }
}

/// Counts the bytes written to it.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A JSON object as BSON; Extended JSON (`{"$oid": …}`, `{"$date": …}`) is read as such.
fn to_document(object: Map<String, Value>, at: &str) -> Result<Document, Error> {
    match Bson::try_from(Value::Object(object)) {
        Ok(Bson::Document(document)) => Ok(document),
        Ok(_) => Err(Error::Rejected(format!("{at} must be a document"))),
        Err(error) => Err(Error::Rejected(format!("{at}: {error}"))),
    }
}
