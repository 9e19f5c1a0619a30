//! End to end against the PostgreSQL that xtask starts with TLS: a role whose password is an
//! RDS IAM token, a pool that logs in over verified TLS, refreshes that swap the token without
//! disturbing open connections or `acquire`, and a wrong CA bundle that fails verification.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{ConnectOptions, Connection, PgConnection};
use updraft_core::aws::{ConfigLoader, Credentials, ProvideCredentials};
use updraft_core::{Env, SdkConfig};
use updraft_rds_iam_auth::{Clock, Engine, Error, PoolBuilder, Settings};
use updraft_testkit::{LogBuffer, aws_config, servers_env, unique_name};

struct Server {
    admin: PgPool,
    port: u16,
    ca: String,
}

async fn server() -> Server {
    let env = servers_env();
    let url = env.require("DATABASE_URL").unwrap();
    let port = PgConnectOptions::from_str(url).unwrap().get_port();
    // The admin's statements set passwords: keep them out of the logs the tests read.
    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .disable_statement_logging();
    Server {
        admin: PgPool::connect_with(options).await.unwrap(),
        port,
        ca: env.require("UPDRAFT_PG_CA_CERT").unwrap().to_owned(),
    }
}

impl Server {
    /// A new login role; returns its name.
    async fn role(&self) -> String {
        let name = unique_name("iam").replace('-', "_");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE \"{name}\" LOGIN")))
            .execute(&self.admin)
            .await
            .unwrap();
        name
    }

    async fn set_password(&self, role: &str, password: &str) {
        // Role names come from `unique_name`; the password's quotes are doubled.
        let statement = format!(
            "ALTER ROLE \"{role}\" PASSWORD '{}'",
            password.replace('\'', "''")
        );
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&self.admin)
            .await
            .unwrap();
    }

    fn settings(&self, role: &str) -> Settings {
        Settings::new(Engine::Postgres, "127.0.0.1", role, &self.ca)
            .with_port(self.port)
            .with_database("postgres")
    }

    /// A builder for `role` whose token refreshes every second, on a fixed clock (every
    /// refresh signs the same token), with the role's password set to that token.
    async fn refreshing_builder(&self, role: &str, config: &SdkConfig) -> PoolBuilder {
        let settings = self
            .settings(role)
            .with_refresh_every(Duration::from_secs(1))
            .unwrap();
        let builder = PoolBuilder::new(settings).clock(Clock::fixed(start_of_2026()));
        let token = builder.token_generator().generate(config).await.unwrap();
        self.set_password(role, token.expose()).await;
        builder
    }
}

fn start_of_2026() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

async fn whoami(connection: &mut PgConnection) -> (String, bool) {
    sqlx::query_as("select current_user::text, ssl from pg_stat_ssl where pid = pg_backend_pid()")
        .fetch_one(connection)
        .await
        .unwrap()
}

#[tokio::test]
async fn iam_tokens_log_in_over_verified_tls_and_refresh_without_disturbing_open_connections() {
    let server = server().await;
    let role = server.role().await;
    let config = aws_config().await;
    let clock = Clock::fixed(start_of_2026());
    let builder = PoolBuilder::new(server.settings(&role))
        .clock(clock.clone())
        .max_connections(4);
    let generator = builder.token_generator();
    server
        .set_password(&role, generator.generate(&config).await.unwrap().expose())
        .await;

    let pool = builder.postgres(&config).await.unwrap();
    assert!(pool.is_refreshing());
    let mut before = pool.acquire().await.unwrap();
    assert_eq!(
        whoami(&mut before).await,
        (role.clone(), true),
        "logged in as the role, over TLS"
    );
    let old_options = pool.connect_options();

    clock.advance(Duration::from_secs(10 * 60));
    pool.refresh().await.unwrap();
    assert_eq!(pool.refreshes(), 1);
    server
        .set_password(&role, generator.generate(&config).await.unwrap().expose())
        .await;

    let mut fresh = PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    assert_eq!(
        whoami(&mut fresh).await.0,
        role,
        "new logins use the new token"
    );
    assert!(
        PgConnection::connect_with(&old_options).await.is_err(),
        "the old token no longer logs in"
    );
    assert_eq!(
        whoami(&mut before).await.0,
        role,
        "a connection opened before keeps working"
    );
    let connections: Vec<_> = futures_util::future::try_join_all((0..3).map(|_| pool.acquire()))
        .await
        .unwrap();
    assert_eq!(
        connections.len(),
        3,
        "the pool opens new connections with the new token"
    );
    drop((connections, before));
    pool.close().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!pool.is_refreshing(), "the refresh task ends with the pool");
}

#[tokio::test]
async fn a_wrong_ca_bundle_fails_verification_and_the_right_one_passes() {
    let server = server().await;
    let role = server.role().await;
    server.set_password(&role, "local-dev-password").await;
    let config = SdkConfig::builder().build();
    let wrong = server
        .settings(&role)
        .with_ca_bundle(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/another-ca.pem"
        ))
        .with_password("local-dev-password");
    let error = PoolBuilder::new(wrong)
        .acquire_timeout(Duration::from_secs(5))
        .postgres(&config)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
    assert_eq!(
        updraft_core::error::Surface::kind(&error),
        updraft_core::Kind::Config,
        "a server the bundle does not vouch for is a configuration fault"
    );

    // Password mode, for local development: same builder, no token, no refresh task.
    let right = server.settings(&role).with_password("local-dev-password");
    let pool = PoolBuilder::new(right).postgres(&config).await.unwrap();
    assert!(!pool.is_refreshing());
    assert_eq!(
        whoami(&mut pool.acquire().await.unwrap()).await,
        (role, true)
    );
}

/// Credentials that take a while, and can be made to fail: a refresh that is slow or failing.
#[derive(Debug, Default)]
struct Slow {
    fail: AtomicBool,
}

impl ProvideCredentials for Slow {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if self.fail.load(Ordering::Relaxed) {
                return Err(
                    aws_credential_types::provider::error::CredentialsError::not_loaded(
                        "the test turned credentials off",
                    ),
                );
            }
            Ok(Credentials::new(
                "AKIDEXAMPLE",
                "slow-secret",
                None,
                None,
                "slow",
            ))
        })
    }
}

async fn slow_config(slow: Arc<Slow>) -> SdkConfig {
    #[derive(Debug)]
    struct Shared(Arc<Slow>);
    impl ProvideCredentials for Shared {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.0.provide_credentials()
        }
    }
    ConfigLoader::new()
        .env(Env::from_pairs([("AWS_REGION", "us-east-1")]))
        .credentials_provider(Shared(slow))
        .load()
        .await
        .unwrap()
}

/// The figure: while refreshes that each take 500 ms happen every second, and connections are
/// recycled every 150 ms (so `acquire` keeps logging in anew), no `acquire` waits on a refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_never_block_acquire() {
    let server = server().await;
    let role = server.role().await;
    let slow = Arc::new(Slow::default());
    let config = slow_config(slow.clone()).await;
    // A fixed clock: every refresh signs the same token, so the role's password stays right.
    let settings = server
        .settings(&role)
        .with_refresh_every(Duration::from_secs(1))
        .unwrap();
    let builder = PoolBuilder::new(settings)
        .clock(Clock::fixed(start_of_2026()))
        .max_lifetime(Duration::from_millis(150))
        .max_connections(2);
    server
        .set_password(
            &role,
            builder
                .token_generator()
                .generate(&config)
                .await
                .unwrap()
                .expose(),
        )
        .await;
    let pool = builder.postgres(&config).await.unwrap();

    let started = Instant::now();
    let (mut acquires, mut slowest) = (0u32, Duration::ZERO);
    while started.elapsed() < Duration::from_millis(3500) {
        let asked = Instant::now();
        let mut connection = pool.acquire().await.unwrap();
        slowest = slowest.max(asked.elapsed());
        sqlx::query("select 1")
            .execute(&mut *connection)
            .await
            .unwrap();
        acquires += 1;
        drop(connection);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refreshes = pool.refreshes();
    eprintln!(
        "FIGURE refresh-vs-acquire: {acquires} acquires, slowest {slowest:?}, during {refreshes} refreshes of >= 500 ms each"
    );
    assert!(refreshes >= 2, "{refreshes} refreshes");
    assert!(
        slowest < Duration::from_millis(400),
        "an acquire waited {slowest:?}, as long as a refresh"
    );
}

/// A failed refresh keeps the previous token, is retried, and neither it nor anything else
/// logs or prints the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_keeps_the_token_and_nothing_prints_it() {
    let logs = LogBuffer::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::dispatcher::set_global_default(subscriber.into());

    let server = server().await;
    let role = server.role().await;
    let slow = Arc::new(Slow::default());
    let config = slow_config(slow.clone()).await;
    let builder = server.refreshing_builder(&role, &config).await;
    let token = builder.token_generator().generate(&config).await.unwrap();
    let pool = builder.clone().postgres(&config).await.unwrap();
    slow.fail.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(pool.failed_refreshes() >= 1, "{pool:?}");
    let mut fresh = PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    assert_eq!(
        whoami(&mut fresh).await.0,
        role,
        "the previous token still logs in"
    );
    slow.fail.store(false, Ordering::Relaxed);
    pool.refresh().await.unwrap();

    let printed = format!(
        "{pool:?} {builder:?} {token:?} {token} {:?}",
        builder.token_generator()
    );
    let logged = logs.text();
    assert!(
        logged.contains("refreshing the RDS auth token failed"),
        "the logs were captured:\n{logged}"
    );
    // The SDK's signer traces its canonical request at TRACE; that holds no signature, so it
    // cannot log in. What must never show is the signed token.
    let signature = token.expose().rsplit("X-Amz-Signature=").next().unwrap();
    for (what, text) in [
        ("Debug or Display", printed.as_str()),
        ("the log", logged.as_str()),
    ] {
        assert!(
            !text.contains(signature) && !text.contains("X-Amz-Signature="),
            "{what} shows the token:\n{text}"
        );
    }
    let password = server.settings(&role).with_password("pw-not-to-print-42");
    assert!(
        !format!("{password:?} {:?}", PoolBuilder::new(password.clone()))
            .contains("pw-not-to-print-42")
    );
}

/// The lifetime rule the README states: clones of an `RdsPool` share one refresh task, which
/// runs while any of them lives; a bare `sqlx::Pool` taken out with `pool()` keeps working but
/// does not keep the task alive, so its options stop changing once the last `RdsPool` goes.
#[tokio::test]
async fn the_refresh_task_lives_as_long_as_an_rds_pool_handle_and_no_longer() {
    let server = server().await;
    let role = server.role().await;
    let config = aws_config().await;
    let pool = server
        .refreshing_builder(&role, &config)
        .await
        .postgres(&config)
        .await
        .unwrap();
    let clone = pool.clone();
    drop(pool);
    let bare = clone.pool();
    let before = bare.connect_options();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(clone.is_refreshing(), "a clone keeps the task");
    assert!(clone.refreshes() >= 1);
    let refreshed = bare.connect_options();
    assert!(
        !Arc::ptr_eq(&before, &refreshed),
        "the bare pool sees the refreshes while a handle lives"
    );
    drop(clone);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(
        Arc::ptr_eq(&refreshed, &bare.connect_options()),
        "with the last handle gone, nothing refreshes the bare pool"
    );
    let mut connection = bare.acquire().await.unwrap();
    assert_eq!(
        whoami(&mut connection).await.0,
        role,
        "the bare pool still works"
    );
}
