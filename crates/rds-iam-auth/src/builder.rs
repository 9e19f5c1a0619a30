//! [`PoolBuilder`]: settings, a signing clock and pool options in; an [`RdsPool`] out.

use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::{Connection, Database};
use updraft_core::{Env, SdkConfig};

use crate::pool::{MakeOptions, Options, RdsPool};
use crate::settings::{Auth, Engine, vars};
use crate::{Clock, Error, Settings, TokenGenerator};

/// How the connections reach the server: sqlx's own TLS, verified against the bundle (MySQL,
/// and PostgreSQL where there are no Unix sockets), or the tunnel in this directory, which
/// makes the TLS with the bundle as its only roots.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "which variants a build makes depends on its engines and platform"
)]
pub(crate) enum Transport {
    /// sqlx's TLS with this bundle (PEM).
    Verified(Arc<[u8]>),
    /// The tunnel's socket directory.
    Tunnel(Arc<std::path::Path>),
}

/// Builds the connect options of one login from the settings, the transport and the password.
type Build<DB> = fn(&Settings, &Transport, &str) -> Options<DB>;

/// Builds an [`RdsPool`] from [`Settings`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = updraft_core::aws::load().await?;
/// let env = updraft_core::Env::load()?;
/// let pool = updraft_rds_iam_auth::PoolBuilder::from_env(&env)?.max_connections(5).postgres(&config).await?;
/// let (one,): (i32,) = sqlx::query_as("select 1").fetch_one(&*pool).await?;
/// # let _ = one;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PoolBuilder {
    settings: Settings,
    clock: Clock,
    max_connections: u32,
    acquire_timeout: Duration,
    max_lifetime: Option<Duration>,
}

impl PoolBuilder {
    /// A builder for `settings`, with 10 connections at most.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            clock: Clock::system(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            max_lifetime: None,
        }
    }

    /// A builder for the settings of the environment (see [`Settings::from_env`]).
    ///
    /// # Errors
    ///
    /// The settings' errors, naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        Settings::from_env(env).map(Self::new)
    }

    /// Signs tokens with `clock` (tests set and advance it).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// At most `max` connections.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long `acquire` waits for a connection.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Closes connections older than `lifetime` (sqlx's default is 30 minutes).
    pub fn max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime);
        self
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The token generator these settings and this clock give.
    #[must_use]
    pub fn token_generator(&self) -> TokenGenerator {
        let generator = TokenGenerator::new(
            &self.settings.host,
            self.settings.port,
            &self.settings.username,
        )
        .clock(self.clock.clone());
        match &self.settings.region {
            Some(region) => generator.region(region),
            None => generator,
        }
    }

    /// A PostgreSQL pool over TLS that trusts the CA bundle and nothing else, checking the
    /// server's host name (as `sslmode=verify-full`, without the public roots sqlx would add;
    /// see the crate docs on TLS).
    ///
    /// # Errors
    ///
    /// [`Error::CaBundle`], [`Error::Token`], [`Error::Tls`] when the server's certificate is
    /// refused, and [`Error::Connect`] when the first connection fails otherwise.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn postgres(self, config: &SdkConfig) -> Result<RdsPool<sqlx::Postgres>, Error> {
        self.expect(Engine::Postgres)?;
        #[cfg(unix)]
        {
            let pem = self.settings.ca_pem()?;
            let roots = crate::tunnel::roots(&pem, &self.settings.ca_bundle)?;
            let tunnel =
                crate::tunnel::Tunnel::start(&self.settings.host, self.settings.port, roots)?;
            let transport = Transport::Tunnel(Arc::from(tunnel.directory()));
            let pool = self
                .connect(config, transport, crate::postgres::options)
                .await
                .map_err(|error| match (error, tunnel.refusal()) {
                    (Error::Connect(_), Some(reason)) => Error::Tls { reason },
                    (error, _) => error,
                })?;
            // The tunnel serves the pool's connections until the pool closes, whichever
            // handle (an `RdsPool` or a bare `sqlx::Pool` clone) closes it.
            let closed = pool.close_event();
            tokio::spawn(async move {
                closed.await;
                drop(tunnel);
            });
            Ok(pool)
        }
        #[cfg(not(unix))]
        {
            let transport = Transport::Verified(self.settings.ca_pem()?.into());
            self.connect(config, transport, crate::postgres::options)
                .await
        }
    }

    /// A MySQL pool over TLS verified against the CA bundle (`VerifyIdentity`), with the
    /// cleartext plugin RDS IAM needs.
    ///
    /// # Errors
    ///
    /// See [`PoolBuilder::postgres`].
    #[cfg(feature = "mysql")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
    pub async fn mysql(self, config: &SdkConfig) -> Result<RdsPool<sqlx::MySql>, Error> {
        self.expect(Engine::MySql)?;
        let transport = Transport::Verified(self.settings.ca_pem()?.into());
        self.connect(config, transport, crate::mysql::options).await
    }

    fn expect(&self, engine: Engine) -> Result<(), Error> {
        if self.settings.engine == engine {
            Ok(())
        } else {
            Err(crate::settings::invalid(
                vars::ENGINE,
                format!(
                    "the settings are for {:?}, not {engine:?}",
                    self.settings.engine
                ),
            ))
        }
    }

    /// The options maker for these settings: each call signs a new token (or uses the password).
    pub(crate) fn make_options<DB: Database>(
        &self,
        config: &SdkConfig,
        transport: Transport,
        build: Build<DB>,
    ) -> MakeOptions<DB> {
        let transport = Arc::new(transport);
        let settings = Arc::new(self.settings.clone());
        match &self.settings.auth {
            Auth::Password(password) => {
                let options = build(
                    &settings,
                    &transport,
                    secrecy::ExposeSecret::expose_secret(password),
                );
                Arc::new(move || {
                    let options = options.clone();
                    Box::pin(async move { Ok(options) })
                })
            }
            Auth::Iam => {
                let generator = Arc::new(self.token_generator());
                let config = config.clone();
                Arc::new(move || {
                    let (generator, config, settings, transport) = (
                        generator.clone(),
                        config.clone(),
                        settings.clone(),
                        transport.clone(),
                    );
                    Box::pin(async move {
                        let token = generator.generate(&config).await?;
                        Ok(build(&settings, &transport, token.expose()))
                    })
                })
            }
        }
    }

    async fn connect<DB: Database>(
        self,
        config: &SdkConfig,
        transport: Transport,
        build: Build<DB>,
    ) -> Result<RdsPool<DB>, Error>
    where
        <DB as Database>::Connection: Connection,
    {
        let make = self.make_options::<DB>(config, transport, build);
        let options = make().await?;
        let mut pool_options = PoolOptions::<DB>::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout);
        if let Some(lifetime) = self.max_lifetime {
            pool_options = pool_options.max_lifetime(lifetime);
        }
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(Error::Connect)?;
        let every = matches!(self.settings.auth, Auth::Iam).then_some(self.settings.refresh_every);
        Ok(RdsPool::start(pool, make, every))
    }
}
