//! `rds-iam`: a service that logs in to PostgreSQL with RDS IAM tokens over verified TLS.
//!
//! Configured like any Updraft service, from the environment: `db_endpoint`, `db_username`,
//! `db_database`, `ssl_ca_bundle_filename` and `AWS_REGION`. It records a visit, refreshes its
//! token, and shows that a new connection logs in with the fresh one.
//!
//! Locally, set `EXAMPLE_RDS_STAND_IN_URL` to an admin URL of the PostgreSQL that
//! `cargo xtask servers start` runs: the example then pins its signing clock and makes the
//! token its role's password, since a plain PostgreSQL cannot check IAM tokens the way RDS does.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use example_rds_iam::{Failure, STAND_IN, StandIn, visit};
use updraft::core::{Env, aws};
use updraft::rds_iam_auth::sqlx::{self, Connection as _, PgConnection};
use updraft::rds_iam_auth::{Clock, PoolBuilder};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rds-iam: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let env = Env::load()?;
    let config = aws::load().await?;
    let mut builder = PoolBuilder::from_env(&env)?.max_connections(4);
    if let Some(admin) = env.non_empty(STAND_IN) {
        builder = builder.clock(Clock::fixed(SystemTime::now()));
        StandIn::connect(admin)
            .await?
            .accept(&builder, &config)
            .await?;
    }
    let settings = builder.settings().clone();
    let pool = builder.postgres(&config).await?;

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pool for {}@{}:{}/{} with IAM tokens, TLS verified against {}",
        settings.username(),
        settings.host(),
        settings.port(),
        settings.database().unwrap_or("(default)"),
        settings.ca_bundle().display()
    )?;
    let first = visit(&pool).await?;
    writeln!(
        out,
        "visit {} by {} over {}",
        first.number,
        first.user,
        first.tls.as_deref().unwrap_or("no TLS")
    )?;

    pool.refresh().await?;
    let mut fresh = PgConnection::connect_with(&pool.connect_options()).await?;
    let (user,): (String,) = sqlx::query_as("select current_user::text")
        .fetch_one(&mut fresh)
        .await?;
    fresh.close().await?;
    writeln!(
        out,
        "token refreshed ({} refresh); a new connection logs in as {user}",
        pool.refreshes()
    )?;
    let second = visit(&pool).await?;
    writeln!(out, "visit {} by {}", second.number, second.user)?;
    pool.close().await;
    Ok(())
}
