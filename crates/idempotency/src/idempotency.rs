//! [`Idempotency`]: the settings and the table, and the one flow every wrapper runs: claim the
//! key, run the handler, store its outcome; or answer from the stored outcome.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use updraft_core::{Env, Session};
use updraft_dynamo::{Capacity, Dynamo};

use crate::cache::{Completed, Lru};
use crate::key::{Key, canonical, sha256};
use crate::store::{COMPLETED, Claim, Record, Store, epoch};
use crate::{Error, Idempotent};

/// The variable that names the table.
pub const TABLE_VAR: &str = "IDEMPOTENCY_TABLE";
/// How long a completed record counts by default: one hour.
pub const DEFAULT_EXPIRES_AFTER: Duration = Duration::from_secs(3600);
/// How long a claim lasts outside a Lambda invocation (which has its own deadline): 60 s.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response stored: DynamoDB's 400 KB item, less room for the record's other
/// attributes.
pub const RESPONSE_LIMIT: usize = 400 * 1024 - 2048;

/// Idempotent calls on one table. Cheap to clone; build it once per process.
///
/// Records are keyed `<function>#<handler>#<state>#<sha256 of the key>`: the function is
/// `AWS_LAMBDA_FUNCTION_NAME` (or the name given), the handler names the wrapped code, and the
/// state is the current session's, so two tenants never share a record.
#[derive(Debug, Clone)]
pub struct Idempotency {
    store: Store,
    function: Arc<str>,
    expires_after: Duration,
    lock_timeout: Duration,
    cache: Arc<Lru>,
    allow_missing_key: bool,
}

impl Idempotency {
    /// Calls recorded in `table`, as the function of `AWS_LAMBDA_FUNCTION_NAME` (`local` when
    /// unset).
    #[must_use]
    pub fn new(dynamo: &Dynamo, table: impl Into<String>) -> Self {
        let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
        Self::build(dynamo, table.into(), function)
    }

    /// Calls recorded in the table of `IDEMPOTENCY_TABLE`, as the function of
    /// `AWS_LAMBDA_FUNCTION_NAME` (`local` when unset), both read from `env`.
    ///
    /// # Errors
    ///
    /// [`updraft_core::Error::MissingVar`] when `IDEMPOTENCY_TABLE` is not set.
    pub fn from_env(dynamo: &Dynamo, env: &Env) -> Result<Self, updraft_core::Error> {
        let table = env.require(TABLE_VAR)?.trim().to_owned();
        let function = env
            .non_empty("AWS_LAMBDA_FUNCTION_NAME")
            .unwrap_or("local")
            .to_owned();
        Ok(Self::build(dynamo, table, function))
    }

    fn build(dynamo: &Dynamo, table: String, function: String) -> Self {
        Self {
            store: Store::new(dynamo, table),
            function: function.into(),
            expires_after: DEFAULT_EXPIRES_AFTER,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            cache: Arc::new(Lru::new(0)),
            allow_missing_key: false,
        }
    }

    /// The function name records are prefixed with, instead of `AWS_LAMBDA_FUNCTION_NAME`.
    #[must_use]
    pub fn function_name(mut self, name: impl Into<String>) -> Self {
        self.function = name.into().into();
        self
    }

    /// How long a completed record counts (one hour by default); after it, the same key runs
    /// again.
    #[must_use]
    pub fn expires_after(mut self, after: Duration) -> Self {
        self.expires_after = after;
        self
    }

    /// How long a claim lasts outside a Lambda invocation (60 s by default). Inside one, the
    /// claim lasts the invocation's remaining time (with the `contexts` feature), so a crashed
    /// invocation frees its key when Lambda would have stopped it.
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Keeps up to `entries` completed records in memory, answering repeats within this
    /// process without a read (off by default).
    #[must_use]
    pub fn local_cache(mut self, entries: usize) -> Self {
        self.cache = Arc::new(Lru::new(entries));
        self
    }

    /// Runs calls whose input has no key without idempotency (logged), instead of refusing
    /// them with [`Error::NoKey`].
    #[must_use]
    pub fn allow_missing_key(mut self) -> Self {
        self.allow_missing_key = true;
        self
    }

    /// The table's name.
    #[must_use]
    pub fn table_name(&self) -> &str {
        self.store.table_name()
    }

    /// Creates the table (key `id`, time to live on `expiration`) unless it exists; for local
    /// development and tests.
    ///
    /// # Errors
    ///
    /// The DynamoDB error.
    pub async fn create_table_if_missing(&self) -> Result<(), updraft_dynamo::Error> {
        if !self.store.exists().await? {
            self.store.create_table(Capacity::OnDemand).await?;
        }
        Ok(())
    }

    /// `handler` made idempotent: `handler_name` names it in record keys, `key` says what part
    /// of the input identifies a repeat.
    pub fn wrap<F, I>(&self, handler_name: &str, key: Key<I>, handler: F) -> Idempotent<F, I> {
        Idempotent::new(self.clone(), handler_name, key, handler)
    }

    /// Runs `handler(input)` at most once per key: the flow of every typed wrapper. Errors
    /// that `retryable` accepts release the claim; others are stored and answered to repeats
    /// as [`Error::StoredFailure`].
    pub(crate) async fn execute<I, O, E, F, Fut>(
        &self,
        handler_name: &str,
        key: &Key<I>,
        input: I,
        handler: F,
        retryable: &(dyn Fn(&E) -> bool + Send + Sync),
    ) -> Result<O, Error<E>>
    where
        I: Serialize,
        O: Serialize + DeserializeOwned,
        E: Display,
        F: FnOnce(I) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        let json = serde_json::to_value(&input)
            .map_err(|e| Error::Codec(format!("the input does not serialize: {e}")))?;
        let Some(material) = key.material(&input, &json) else {
            if self.allow_missing_key {
                tracing::warn!(
                    handler = handler_name,
                    "no idempotency key: running without"
                );
                return handler(input).await.map_err(Error::Handler);
            }
            return Err(Error::NoKey {
                fields: key.describe(),
            });
        };
        let payload_hash = sha256(&canonical(&json));
        self.once(
            handler_name,
            &material,
            payload_hash,
            || handler(input),
            retryable,
        )
        .await
    }

    /// The flow itself, for a key and payload hash computed by the caller (the HTTP layer
    /// hashes the method, path and body).
    pub(crate) async fn once<O, E, F, Fut>(
        &self,
        handler_name: &str,
        material: &str,
        payload_hash: String,
        handler: F,
        retryable: &(dyn Fn(&E) -> bool + Send + Sync),
    ) -> Result<O, Error<E>>
    where
        O: Serialize + DeserializeOwned,
        E: Display,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        let id = self.record_id(handler_name, material);
        let now = SystemTime::now();
        if let Some(done) = self.cache.get(&id, now) {
            return answer_completed(&done.payload_hash, done.outcome, &payload_hash);
        }
        let lock_until = now + self.lock_duration();
        let expires = now + self.expires_after;
        match self
            .store
            .claim(&id, &payload_hash, now, lock_until, expires)
            .await?
        {
            Claim::Claimed => {}
            Claim::Taken(record) => return self.answer(&id, *record, &payload_hash, now),
        }
        let mut record = Record {
            id,
            status: COMPLETED.to_owned(),
            expiration: epoch(expires).0,
            in_progress_expiry: None,
            payload_hash,
            response: None,
            failure: None,
        };
        match handler().await {
            Ok(output) => self.store_output(record, output).await,
            Err(error) if retryable(&error) => {
                if let Err(release) = self.store.release(&record.id).await {
                    tracing::error!(error = %updraft_core::error::Report(&release), "the idempotency claim was not released; it lapses with its lock");
                }
                Err(Error::Handler(error))
            }
            Err(error) => {
                record.failure = Some(error.to_string());
                self.store(record).await;
                Err(Error::Handler(error))
            }
        }
    }

    async fn store_output<O: Serialize, E>(
        &self,
        mut record: Record,
        output: O,
    ) -> Result<O, Error<E>> {
        let text = match serde_json::to_string(&output) {
            Ok(text) => text,
            Err(e) => {
                let _ = self.store.release(&record.id).await;
                return Err(Error::Codec(format!(
                    "the response does not serialize: {e}"
                )));
            }
        };
        if text.len() > RESPONSE_LIMIT {
            record.failure = Some(format!(
                "the response ({} bytes) was over the {RESPONSE_LIMIT} an idempotency record holds",
                text.len()
            ));
            self.store(record).await;
            return Err(Error::ResponseTooLarge {
                size: text.len(),
                limit: RESPONSE_LIMIT,
            });
        }
        record.response = Some(text);
        self.store(record).await;
        Ok(output)
    }

    /// Completes a record. The handler ran: a failure to store is logged, not returned, so the
    /// caller still gets its outcome (a repeat may run again once the claim lapses).
    async fn store(&self, record: Record) {
        match self.store.complete(&record).await {
            Ok(()) => {
                let (id, completed) = Completed::of(record);
                self.cache.put(id, completed);
            }
            Err(error) => tracing::error!(
                error = %updraft_core::error::Report(&error),
                "the idempotency record was not completed; a repeat runs again once its claim lapses"
            ),
        }
    }

    /// The answer to a call whose key another call holds or completed.
    fn answer<O: DeserializeOwned, E>(
        &self,
        id: &str,
        record: Record,
        payload_hash: &str,
        now: SystemTime,
    ) -> Result<O, Error<E>> {
        if record.status == COMPLETED {
            let (_, completed) = Completed::of(record);
            if completed.payload_hash == payload_hash {
                self.cache.put(id.to_owned(), completed.clone());
            }
            return answer_completed(&completed.payload_hash, completed.outcome, payload_hash);
        }
        if record.payload_hash != payload_hash {
            return Err(Error::PayloadMismatch);
        }
        let lapses = record.in_progress_expiry.unwrap_or_default();
        let left_ms = u64::try_from(lapses.saturating_sub(epoch(now).1)).unwrap_or_default();
        Err(Error::InProgress {
            retry_after: Duration::from_millis(left_ms).max(Duration::from_secs(1)),
        })
    }

    fn record_id(&self, handler_name: &str, material: &str) -> String {
        let state = Session::with_current(|s| s.and_then(|s| s.state.clone()));
        format!(
            "{}#{handler_name}#{}#{}",
            self.function,
            state.as_deref().unwrap_or("-"),
            sha256(material)
        )
    }

    fn lock_duration(&self) -> Duration {
        #[cfg(feature = "contexts")]
        if let Some(left) = updraft_contexts::lambda::remaining_time() {
            return left;
        }
        self.lock_timeout
    }
}

fn answer_completed<O: DeserializeOwned, E>(
    stored_hash: &str,
    outcome: Result<String, String>,
    payload_hash: &str,
) -> Result<O, Error<E>> {
    if stored_hash != payload_hash {
        return Err(Error::PayloadMismatch);
    }
    match outcome {
        Ok(response) => serde_json::from_str(&response)
            .map_err(|e| Error::Codec(format!("the stored response does not decode: {e}"))),
        Err(message) => Err(Error::StoredFailure { message }),
    }
}
