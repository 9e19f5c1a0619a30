//! [`TokenStore`]: bearer tokens kept in a DynamoDB table, as the HTTP context's
//! [`TokenVerifier`] (aws-python-helper's auth middleware looks tokens up in its database).
//!
//! The table holds one item per token, keyed by the token's SHA-256 (hex) in `token_hash`:
//! the token itself is never stored, so a leaked table or backup does not leak tokens. An item
//! carries the `user` the token stands for (any JSON), an optional `denied` reason, and an
//! optional `expires_at` (epoch seconds; make it the table's time-to-live attribute and
//! DynamoDB deletes expired tokens, while the verifier already refuses them).
//!
//! ```no_run
//! use updraft_contexts::http::App;
//! use updraft_dynamo::Dynamo;
//! use updraft_dynamo::auth::TokenStore;
//!
//! # async fn run(router: updraft_contexts::axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! let config = updraft_core::aws::load().await?;
//! let tokens = TokenStore::new(&Dynamo::new(&config), "api-tokens");
//! tokens.issue("t-0c4f…", &serde_json::json!({"id": "alice", "roles": ["clerk"]}), None).await?;
//! App::new(router).token_verifier(tokens).run().await?; // `Session.user` is alice's JSON
//! # Ok(()) }
//! ```
//!
//! [`TokenStore::create_table`] makes the table (key `token_hash` of type S, time to live on
//! `expires_at`); a template declares the same.

use std::time::{SystemTime, UNIX_EPOCH};

use updraft_contexts::http::{ApiError, TokenVerifier, Verdict};

use crate::{Capacity, Dynamo, Error, Model, Table};

/// One stored token.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "tokens")]
struct StoredToken {
    #[dynamo(hash)]
    token_hash: String,
    user: serde_json::Value,
    denied: Option<String>,
    #[dynamo(ttl)]
    expires_at: Option<i64>,
}

/// Bearer tokens in a DynamoDB table; see the module docs for its layout.
#[derive(Debug, Clone)]
pub struct TokenStore {
    table: Table<StoredToken>,
}

impl TokenStore {
    /// The tokens of table `table`.
    #[must_use]
    pub fn new(dynamo: &Dynamo, table: impl Into<String>) -> Self {
        Self {
            table: dynamo.table_named(table),
        }
    }

    /// Creates the table (key `token_hash`, time to live on `expires_at`) and waits until it
    /// is active: for set-up scripts and tests; a deployed service's table comes from its
    /// template.
    ///
    /// # Errors
    ///
    /// As [`Table::create`].
    pub async fn create_table(&self, capacity: Capacity) -> Result<(), Error> {
        self.table.create(capacity).await
    }

    /// Stores `token` (its hash) for `user`, valid until `expires` when given.
    ///
    /// # Errors
    ///
    /// The [`Error`] of the `PutItem`.
    pub async fn issue(
        &self,
        token: &str,
        user: &serde_json::Value,
        expires: Option<SystemTime>,
    ) -> Result<(), Error> {
        let stored = StoredToken {
            token_hash: hash(token),
            user: user.clone(),
            denied: None,
            expires_at: expires.map(epoch_seconds),
        };
        self.table.put(&stored).await
    }

    /// Keeps `token` known but refused with `reason` (403 with the reason, instead of 401).
    ///
    /// # Errors
    ///
    /// The [`Error`] of the `UpdateItem`; [`Error::ConditionFailed`] for a token never issued.
    pub async fn deny(&self, token: &str, reason: &str) -> Result<(), Error> {
        let fields = StoredToken::fields();
        self.table
            .update(hash(token), fields.denied().set(reason.to_owned()))
            .condition(fields.token_hash().exists())
            .await
            .map(drop)
    }

    /// Forgets `token`: it is unknown from now on (401).
    ///
    /// # Errors
    ///
    /// The [`Error`] of the `DeleteItem`.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        self.table.delete(hash(token)).await.map(drop)
    }

    /// What the table says of `token`, at `now`.
    ///
    /// # Errors
    ///
    /// The [`Error`] of the `GetItem`.
    pub async fn lookup(&self, token: &str, now: SystemTime) -> Result<Verdict, Error> {
        let Some(stored) = self.table.get(hash(token)).consistent().await? else {
            return Ok(Verdict::Unknown);
        };
        if stored.expires_at.is_some_and(|at| at <= epoch_seconds(now)) {
            return Ok(Verdict::Unknown);
        }
        Ok(match stored.denied {
            Some(reason) => Verdict::Deny(reason),
            None => Verdict::Allow(stored.user),
        })
    }
}

impl TokenVerifier for TokenStore {
    /// Looks the token's hash up (a strongly consistent read, so a revocation holds at once).
    /// A failed lookup answers as its error's kind says (a throttled table is 503), never
    /// with AWS's text.
    async fn verify(&self, token: &str) -> Result<Verdict, ApiError> {
        self.lookup(token, SystemTime::now())
            .await
            .map_err(ApiError::from)
    }
}

/// The hex SHA-256 of a token: the table's key.
fn hash(token: &str) -> String {
    updraft_core::digest::sha256_hex(token.as_bytes())
}

fn epoch_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_keyed_by_their_hash_never_themselves() {
        let key = hash("t-secret");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("secret"));
        assert_eq!(key, hash("t-secret"));
        assert_ne!(key, hash("t-secreT"));
    }
}
