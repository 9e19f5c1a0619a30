//! [`Metrics`]: the namespace, service, default dimensions, cold-start metric and output of a
//! process's metrics, installed once at start.

use std::io::Write as _;
use std::sync::{Arc, PoisonError, RwLock};

use updraft_core::Env;

use crate::error::{self, Error, MAX_DIMENSIONS};

/// Where documents go: one call per flush with every document of it, one per line.
pub(crate) type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// The settings of a process's metrics; see the crate docs.
///
/// ```
/// use updraft_metrics::Metrics;
///
/// Metrics::new()
///     .namespace("Shop")
///     .service("orders")
///     .default_dimension("stage", "prod")
///     .cold_start(true)
///     .install()?;
/// # Ok::<(), updraft_metrics::Error>(())
/// ```
#[must_use]
pub struct Metrics {
    namespace: Option<String>,
    service: Option<String>,
    dimensions: Vec<(String, String)>,
    cold_start: bool,
    function_name: Option<String>,
    sink: Option<Sink>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("namespace", &self.namespace)
            .field("service", &self.service)
            .field("dimensions", &self.dimensions)
            .field("cold_start", &self.cold_start)
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The installed settings, checked.
pub(crate) struct Config {
    pub(crate) namespace: String,
    /// The default dimensions, `service` first when there is one.
    pub(crate) dimensions: Vec<(String, String)>,
    pub(crate) cold_start: bool,
    pub(crate) function_name: Option<String>,
    pub(crate) sink: Sink,
}

impl Config {
    pub(crate) fn has_dimension(&self, name: &str) -> bool {
        self.dimensions.iter().any(|(known, _)| known == name)
    }
}

static CONFIG: RwLock<Option<Arc<Config>>> = RwLock::new(None);

/// Whether the environment's settings were tried, for a process that never installed any.
static FROM_ENV: std::sync::Once = std::sync::Once::new();

impl Metrics {
    /// No namespace, service or dimensions yet; documents go to stdout.
    pub fn new() -> Self {
        Self {
            namespace: None,
            service: None,
            dimensions: Vec::new(),
            cold_start: false,
            function_name: None,
            sink: None,
        }
    }

    /// The settings of the process environment (and `./.env`); see [`Metrics::from`].
    ///
    /// # Errors
    ///
    /// As [`Metrics::from`], and [`Error::Env`] for a malformed `.env`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from(&Env::load()?)
    }

    /// The settings `env` gives: `UPDRAFT_METRICS_NAMESPACE`, `UPDRAFT_SERVICE_NAME` (the
    /// `service` dimension), `UPDRAFT_METRICS_COLD_START` (`true` for the `ColdStart` metric) and
    /// `AWS_LAMBDA_FUNCTION_NAME` (the `ColdStart` metric's `function_name` dimension).
    ///
    /// # Errors
    ///
    /// [`Error::Env`] naming `UPDRAFT_METRICS_COLD_START` when it is not a boolean.
    pub fn from(env: &Env) -> Result<Self, Error> {
        Ok(Self {
            namespace: env
                .non_empty("UPDRAFT_METRICS_NAMESPACE")
                .map(str::to_owned),
            service: env.non_empty("UPDRAFT_SERVICE_NAME").map(str::to_owned),
            dimensions: Vec::new(),
            cold_start: env.flag("UPDRAFT_METRICS_COLD_START")?.unwrap_or(false),
            function_name: env.non_empty("AWS_LAMBDA_FUNCTION_NAME").map(str::to_owned),
            sink: None,
        })
    }

    /// The CloudWatch namespace of every metric.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The service: the `service` dimension of every metric.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// A dimension of every metric (replacing one of the same name).
    pub fn default_dimension(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.dimensions.retain(|(known, _)| *known != name);
        self.dimensions.push((name, value.into()));
        self
    }

    /// Whether the first invocation of the process records `ColdStart` (Count, 1), in a
    /// document of its own with the `service` and `function_name` dimensions.
    pub fn cold_start(mut self, enabled: bool) -> Self {
        self.cold_start = enabled;
        self
    }

    /// Sends documents to `sink` instead of stdout: each call gets the documents of one flush,
    /// one JSON document per line. For tests, and for agents that read EMF elsewhere.
    pub fn sink(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.sink = Some(Arc::new(sink));
        self
    }

    /// Checks the settings and makes them the process's, replacing earlier ones. Metrics
    /// recorded inside an invocation are flushed as it ends from then on.
    ///
    /// # Errors
    ///
    /// [`Error::NoNamespace`]; [`Error::Name`] for a bad namespace or dimension;
    /// [`Error::TooManyDimensions`] beyond 30 default dimensions.
    pub fn install(self) -> Result<(), Error> {
        let config = self.build()?;
        *CONFIG.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(config));
        updraft_core::invocation::on_finish(crate::scope::finish_invocation);
        Ok(())
    }

    pub(crate) fn build(self) -> Result<Config, Error> {
        let namespace = self.namespace.ok_or(Error::NoNamespace)?;
        error::namespace(&namespace)?;
        let mut dimensions = Vec::with_capacity(self.dimensions.len() + 1);
        if let Some(service) = self.service {
            dimensions.push(("service".to_owned(), service));
        }
        for (name, value) in self.dimensions {
            dimensions.retain(|(known, _): &(String, String)| *known != name);
            dimensions.push((name, value));
        }
        for (name, value) in &dimensions {
            error::dimension_name(name)?;
            error::dimension_value(name, value)?;
        }
        if dimensions.len() > MAX_DIMENSIONS {
            return Err(Error::TooManyDimensions);
        }
        Ok(Config {
            namespace,
            dimensions,
            cold_start: self.cold_start,
            function_name: self.function_name,
            sink: self.sink.unwrap_or_else(|| Arc::new(stdout)),
        })
    }
}

fn stdout(documents: &str) {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(documents.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        // Nowhere left to say it but the log, which may be stdout too.
        tracing::error!("metrics could not be written to stdout");
    }
}

/// The installed settings; on first use without [`Metrics::install`], those of the
/// environment. `None` (after logging why, once) when there are none: the environment is read
/// once, not on every metric.
pub(crate) fn current() -> Option<Arc<Config>> {
    if let Some(config) = CONFIG
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        return Some(config.clone());
    }
    FROM_ENV.call_once(|| match Metrics::from_env().and_then(Metrics::build) {
        Ok(config) => {
            let mut slot = CONFIG.write().unwrap_or_else(PoisonError::into_inner);
            // An install that came first wins.
            if slot.is_none() {
                *slot = Some(Arc::new(config));
            }
            updraft_core::invocation::on_finish(crate::scope::finish_invocation);
        }
        Err(e) => tracing::error!(error = %e, "metrics are dropped: {e}"),
    });
    CONFIG
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_environment_or_code() {
        let env = Env::from_pairs([
            ("UPDRAFT_METRICS_NAMESPACE", "Shop"),
            ("UPDRAFT_SERVICE_NAME", "orders"),
            ("UPDRAFT_METRICS_COLD_START", "true"),
            ("AWS_LAMBDA_FUNCTION_NAME", "place-order"),
        ]);
        let config = Metrics::from(&env)
            .unwrap()
            .default_dimension("stage", "dev")
            .default_dimension("stage", "prod")
            .build()
            .unwrap();
        assert_eq!(config.namespace, "Shop");
        assert_eq!(
            config.dimensions,
            [
                ("service".into(), "orders".into()),
                ("stage".into(), "prod".into())
            ]
        );
        assert!(config.cold_start);
        assert_eq!(config.function_name.as_deref(), Some("place-order"));
        let overridden = Metrics::from(&env)
            .unwrap()
            .default_dimension("service", "billing")
            .build()
            .unwrap();
        assert_eq!(
            overridden.dimensions,
            [("service".into(), "billing".into())]
        );
    }

    #[test]
    fn bad_settings_are_typed_errors() {
        assert_eq!(Metrics::new().build().err(), Some(Error::NoNamespace));
        let bad_flag = Env::from_pairs([("UPDRAFT_METRICS_COLD_START", "sometimes")]);
        let err = Metrics::from(&bad_flag).unwrap_err();
        assert!(
            err.to_string().contains("UPDRAFT_METRICS_COLD_START"),
            "{err}"
        );
        assert!(matches!(
            Metrics::new().namespace("AWS/Lambda").build(),
            Err(Error::Name {
                what: "namespace",
                ..
            })
        ));
        assert!(matches!(
            Metrics::new().namespace("Shop").service(" ").build(),
            Err(Error::Name {
                what: "dimension value",
                ..
            })
        ));
        let mut wide = Metrics::new().namespace("Shop").service("orders");
        for n in 0..30 {
            wide = wide.default_dimension(format!("d{n}"), "v");
        }
        assert_eq!(wide.build().err(), Some(Error::TooManyDimensions));
    }
}
