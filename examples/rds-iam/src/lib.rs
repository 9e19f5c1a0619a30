//! The `rds-iam` example as a library, so its test and `main` share it.
//!
//! [`visit`] is the service's work: one row per visit, over the pool's verified TLS.
//! [`StandIn`] plays RDS's part on a local PostgreSQL, which cannot check IAM tokens itself: it
//! makes the token the pool will present the role's password.

use std::str::FromStr;

use updraft::core::SdkConfig;
use updraft::rds_iam_auth::PoolBuilder;
use updraft::rds_iam_auth::sqlx::postgres::{PgConnectOptions, PgPool};
use updraft::rds_iam_auth::sqlx::{self, AssertSqlSafe, ConnectOptions};

/// Any failure of the example.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The variable that turns the stand-in on: a PostgreSQL admin URL. Local runs only.
pub const STAND_IN: &str = "EXAMPLE_RDS_STAND_IN_URL";

/// One visit, as the database saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// The role the pool logged in as.
    pub user: String,
    /// The TLS version of the connection (`None` without TLS, which the pool never allows).
    pub tls: Option<String>,
    /// Visits so far, this one included.
    pub number: i64,
}

/// Records a visit in the `visits` table of the user's schema (PostgreSQL's default
/// `search_path` starts with `"$user"`), creating it the first time, and reads it back.
///
/// # Errors
///
/// The database's.
pub async fn visit(pool: &PgPool) -> Result<Visit, sqlx::Error> {
    sqlx::query(
        "create table if not exists visits \
         (id bigserial primary key, visitor text not null, at timestamptz not null default now())",
    )
    .execute(pool)
    .await?;
    sqlx::query("insert into visits (visitor) values (current_user)")
        .execute(pool)
        .await?;
    let (user, tls, number) = sqlx::query_as(
        "select current_user::text, \
                (select version from pg_stat_ssl where pid = pg_backend_pid()), \
                (select count(*) from visits)",
    )
    .fetch_one(pool)
    .await?;
    Ok(Visit { user, tls, number })
}

/// A local PostgreSQL playing RDS: it accepts the pool's IAM token as the role's password.
pub struct StandIn {
    admin: PgPool,
}

impl StandIn {
    /// Connects as the admin at `url`.
    ///
    /// # Errors
    ///
    /// A bad URL or a failed connection.
    pub async fn connect(url: &str) -> Result<Self, Failure> {
        // The admin's statements carry the token: keep them out of sqlx's statement log.
        let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        Ok(Self {
            admin: PgPool::connect_with(options).await?,
        })
    }

    /// Creates the builder's role (if new) with a schema of its own name, and sets its password to
    /// the token the builder signs now. Pin the builder's clock first, so the pool's refreshes
    /// sign the same token.
    ///
    /// # Errors
    ///
    /// A role name that is not a plain identifier, signing, or the database.
    pub async fn accept(&self, builder: &PoolBuilder, config: &SdkConfig) -> Result<(), Failure> {
        let role = builder.settings().username();
        if role.is_empty()
            || !role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!("the stand-in takes plain role names, not `{role}`").into());
        }
        let token = builder.token_generator().generate(config).await?;
        let password = token.expose().replace('\'', "''");
        let exists: Option<i32> = sqlx::query_scalar("select 1 from pg_roles where rolname = $1")
            .bind(role)
            .fetch_optional(&self.admin)
            .await?;
        let statements = [
            exists
                .is_none()
                .then(|| format!("create role {role} login")),
            Some(format!("alter role {role} password '{password}'")),
            Some(format!(
                "create schema if not exists {role} authorization {role}"
            )),
        ];
        for statement in statements.into_iter().flatten() {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&self.admin)
                .await?;
        }
        Ok(())
    }
}
