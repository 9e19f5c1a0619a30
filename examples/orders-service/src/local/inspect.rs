//! What each hop left behind, read straight from the stores: the row in PostgreSQL and the
//! report document in MongoDB.

use updraft::core::{Env, SdkConfig, Session};
use updraft::mongo_repo::Mongo;
use updraft::rds_iam_auth::PoolBuilder;
use updraft::rds_iam_auth::sqlx;

use super::Stack;
use crate::Failure;
use crate::model::Report;
use crate::report::reports;

/// One order's row in PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    /// The state it was stored under.
    pub state: String,
    /// Its tax, in cents.
    pub tax_cents: i64,
    /// The hex HMAC-SHA256 the consumer signed it with.
    pub signature: String,
}

impl Stack {
    /// The rows PostgreSQL holds for order `id` (the consumer inserts at most one).
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn stored(&self, config: &SdkConfig, id: &str) -> Result<Vec<StoredOrder>, Failure> {
        let env = Env::from_pairs(self.vars().iter().cloned());
        let pool = PoolBuilder::from_env(&env)?
            .max_connections(1)
            .postgres(config)
            .await?;
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("select state, tax_cents, signature from orders where id = $1")
                .bind(id)
                .fetch_all(&*pool)
                .await?;
        pool.close().await;
        Ok(rows
            .into_iter()
            .map(|(state, tax_cents, signature)| StoredOrder {
                state,
                tax_cents,
                signature,
            })
            .collect())
    }

    /// The report documents of order `id` in the database of `state`.
    ///
    /// # Errors
    ///
    /// The database's, or a state that is not active.
    pub async fn reports(
        &self,
        servers: &Env,
        state: &str,
        id: &str,
    ) -> Result<Vec<Report>, Failure> {
        let mongo = Mongo::from_env(servers).await?;
        let found = Session::with_state(state)
            .scope(reports(&mongo).find(updraft::mongo_repo::bson::doc! {"_id": id}))
            .await?;
        Ok(found)
    }
}
