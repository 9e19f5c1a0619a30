//! [`TokenStore`] (feature `auth`): bearer tokens in MongoDB as the HTTP context's
//! [`TokenVerifier`], as aws-python-helper's auth middleware keeps them in `AUTH_DB_NAME`.
//!
//! The `tokens` collection holds one document per token: `token_hash` (the hex SHA-256 of the
//! token; the token itself is never stored, so a leaked collection or backup leaks no
//! token), `user_id`, and optionally `expires_at` (a date) and `revoked` (a boolean). The
//! user is the `users` document whose `_id` is `user_id`; it becomes `Session.user` as JSON
//! ([`crate::json`]). A token that is unknown, expired, revoked, or whose user is gone
//! answers 401.
//!
//! ```no_run
//! use updraft_contexts::http::App;
//! use updraft_mongo_repo::{Mongo, auth::TokenStore};
//!
//! # async fn run(router: updraft_contexts::axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! let mongo = Mongo::shared().await?;
//! let tokens = TokenStore::from_env(&mongo, &updraft_core::Env::load()?)?; // AUTH_DB_NAME
//! tokens.ensure_indexes().await?; // unique token_hash; TTL on expires_at
//! App::new(router).token_verifier(tokens).run().await?;
//! # Ok(()) }
//! ```

use std::time::SystemTime;

use mongodb::bson::{Bson, DateTime, Document, doc};
use updraft_contexts::http::{ApiError, TokenVerifier, Verdict};
use updraft_core::Env;

use crate::declaration::{Declaration, Route};
use crate::{Error, Index, Mongo};

/// Bearer tokens in a MongoDB database; see the module docs.
#[derive(Debug, Clone)]
pub struct TokenStore {
    mongo: Mongo,
    database: String,
    tokens: String,
    users: String,
}

impl TokenStore {
    /// The tokens of `database`, in collections `tokens` and `users`.
    #[must_use]
    pub fn new(mongo: &Mongo, database: impl Into<String>) -> Self {
        Self {
            mongo: mongo.clone(),
            database: database.into(),
            tokens: "tokens".into(),
            users: "users".into(),
        }
    }

    /// The tokens of the database `AUTH_DB_NAME` names.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when `AUTH_DB_NAME` is not set.
    pub fn from_env(mongo: &Mongo, env: &Env) -> Result<Self, Error> {
        Ok(Self::new(mongo, env.require("AUTH_DB_NAME")?))
    }

    /// Other names for the two collections.
    #[must_use]
    pub fn collections(mut self, tokens: impl Into<String>, users: impl Into<String>) -> Self {
        self.tokens = tokens.into();
        self.users = users.into();
        self
    }

    fn tokens(&self) -> mongodb::Collection<Document> {
        self.mongo.db(&self.database).collection(&self.tokens)
    }

    /// The tokens collection's indexes: `token_hash` unique, and a TTL index on `expires_at`
    /// so the server deletes expired tokens (the verifier refuses them before that).
    ///
    /// # Errors
    ///
    /// As [`crate::Repository::ensure_indexes`].
    pub async fn ensure_indexes(&self) -> Result<Vec<String>, Error> {
        let declaration = Declaration {
            name: "tokens".into(),
            collection: self.tokens.clone(),
            route: Route::Fixed(self.database.clone()),
            cluster: None,
            indexes: vec![
                Index::asc("token_hash").unique(),
                Index::asc("expires_at").expire_after(std::time::Duration::ZERO),
            ],
        };
        declaration
            .ensure_indexes(&self.mongo, &self.database)
            .await
    }

    /// Stores `token` (its hash) for the user whose `_id` is `user_id`, valid until
    /// `expires` when given.
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`] for a token already issued; [`Error::Driver`].
    pub async fn issue(
        &self,
        token: &str,
        user_id: impl Into<Bson>,
        expires: Option<SystemTime>,
    ) -> Result<(), Error> {
        let mut document =
            doc! { "token_hash": hash(token), "user_id": user_id.into(), "revoked": false };
        if let Some(expires) = expires {
            document.insert("expires_at", DateTime::from_system_time(expires));
        }
        self.tokens()
            .insert_one(document)
            .await
            .map(drop)
            .map_err(|e| Error::driver("insert", e))
    }

    /// Marks `token` revoked: it answers 401 from now on.
    ///
    /// # Errors
    ///
    /// [`Error::Driver`].
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        self.tokens()
            .update_one(
                doc! { "token_hash": hash(token) },
                doc! { "$set": { "revoked": true } },
            )
            .await
            .map(drop)
            .map_err(|e| Error::driver("update", e))
    }

    /// What the store says of `token`, at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::Driver`].
    pub async fn lookup(&self, token: &str, now: SystemTime) -> Result<Verdict, Error> {
        let Some(stored) = self
            .tokens()
            .find_one(doc! { "token_hash": hash(token) })
            .await
            .map_err(|e| Error::driver("find", e))?
        else {
            return Ok(Verdict::Unknown);
        };
        if stored.get_bool("revoked").unwrap_or(false) {
            return Ok(Verdict::Unknown);
        }
        match stored.get("expires_at") {
            None | Some(Bson::Null) => {}
            Some(Bson::DateTime(at)) if *at > DateTime::from_system_time(now) => {}
            Some(_) => return Ok(Verdict::Unknown),
        }
        let Some(user_id) = stored.get("user_id") else {
            return Ok(Verdict::Unknown);
        };
        let user = self
            .mongo
            .db(&self.database)
            .collection::<Document>(&self.users)
            .find_one(doc! { "_id": user_id.clone() })
            .await
            .map_err(|e| Error::driver("find", e))?;
        Ok(match user {
            Some(user) => Verdict::Allow(crate::json::to_json(&user)),
            None => Verdict::Unknown,
        })
    }
}

impl TokenVerifier for TokenStore {
    /// Looks the token's hash up, then its user. A failed lookup answers as its error's kind
    /// says (an unreachable server is 503), never with the server's text.
    async fn verify(&self, token: &str) -> Result<Verdict, ApiError> {
        self.lookup(token, SystemTime::now())
            .await
            .map_err(ApiError::from)
    }
}

/// The hex SHA-256 of a token: the stored key.
fn hash(token: &str) -> String {
    updraft_core::digest::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_their_hash() {
        let key = hash("t-secret");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("secret"));
        assert_ne!(key, hash("t-secreT"));
    }
}
