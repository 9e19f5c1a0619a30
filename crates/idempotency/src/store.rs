//! The records in DynamoDB: one item per idempotency key, claimed with a conditional put,
//! completed with the response, or deleted so the next attempt runs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use updraft_dynamo::{Capacity, Dynamo, Model, Table};

/// The status of a key that a call is running for.
pub(crate) const IN_PROGRESS: &str = "IN_PROGRESS";
/// The status of a key whose call ended and whose outcome is stored.
pub(crate) const COMPLETED: &str = "COMPLETED";

/// One idempotency record.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "idempotency")]
pub(crate) struct Record {
    /// `<function>#<handler>#<state>#<sha256 of the key>`.
    #[dynamo(hash)]
    pub(crate) id: String,
    /// [`IN_PROGRESS`] or [`COMPLETED`].
    pub(crate) status: String,
    /// When the record stops counting, in epoch seconds; the table's time to live.
    #[dynamo(ttl)]
    pub(crate) expiration: i64,
    /// When an [`IN_PROGRESS`] claim lapses, in epoch milliseconds.
    pub(crate) in_progress_expiry: Option<i64>,
    /// SHA-256 of the payload, to refuse the same key with another payload.
    pub(crate) payload_hash: String,
    /// The response, as JSON text, once completed.
    pub(crate) response: Option<String>,
    /// The stored failure, once completed with an error that is not retried.
    pub(crate) failure: Option<String>,
}

/// Epoch seconds and milliseconds of `time`.
pub(crate) fn epoch(time: SystemTime) -> (i64, i64) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    (
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
    )
}

/// What a claim found.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The key is this call's to run.
    Claimed,
    /// Another call holds or completed the key: its record.
    Taken(Box<Record>),
}

/// The table of records.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    table: Table<Record>,
}

impl Store {
    pub(crate) fn new(dynamo: &Dynamo, table: String) -> Self {
        Self {
            table: dynamo.table_named(table),
        }
    }

    pub(crate) fn table_name(&self) -> &str {
        self.table.name()
    }

    pub(crate) async fn create_table(
        &self,
        capacity: Capacity,
    ) -> Result<(), updraft_dynamo::Error> {
        self.table.create(capacity).await
    }

    pub(crate) async fn exists(&self) -> Result<bool, updraft_dynamo::Error> {
        self.table.exists().await
    }

    /// Claims `id` until `lock_until` unless a live record holds it: none, expired, or an
    /// in-progress claim that lapsed.
    pub(crate) async fn claim(
        &self,
        id: &str,
        payload_hash: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires: SystemTime,
    ) -> Result<Claim, updraft_dynamo::Error> {
        let (now_seconds, now_millis) = epoch(now);
        let record = Record {
            id: id.to_owned(),
            status: IN_PROGRESS.to_owned(),
            expiration: epoch(expires).0,
            in_progress_expiry: Some(epoch(lock_until).1),
            payload_hash: payload_hash.to_owned(),
            response: None,
            failure: None,
        };
        let f = Record::fields();
        let free = f.id().not_exists()
            | f.expiration().lt(now_seconds)
            | (f.status().eq(IN_PROGRESS.to_owned()) & f.in_progress_expiry().lt(now_millis));
        match self.table.put(&record).condition(free).await {
            Ok(()) => Ok(Claim::Claimed),
            Err(failed @ updraft_dynamo::Error::ConditionFailed { .. }) => {
                match failed.old_item::<Record>()? {
                    Some(old) => Ok(Claim::Taken(Box::new(old))),
                    // Deleted between the put and now: a later attempt may claim it.
                    None => Err(failed),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Stores the outcome of the call that claimed `record.id`.
    pub(crate) async fn complete(&self, record: &Record) -> Result<(), updraft_dynamo::Error> {
        let f = Record::fields();
        self.table
            .put(record)
            .condition(f.payload_hash().eq(record.payload_hash.clone()))
            .await
    }

    /// Deletes a claim so that the next attempt runs.
    pub(crate) async fn release(&self, id: &str) -> Result<(), updraft_dynamo::Error> {
        self.table.delete(id.to_owned()).await.map(drop)
    }
}
