//! Where recorded metrics wait: the current invocation's own collector, or outside any
//! invocation the process's; and how they are flushed.

use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use updraft_core::invocation::{self, Invocation};

use crate::config::{self, Config};
use crate::emf::{self, Meta};
use crate::error::{self, Error};
use crate::metric::{Group, Metric};
use crate::unit::{Resolution, Unit};

/// What one invocation (or the process, outside any) has recorded and not yet flushed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    main: Group,
    properties: Vec<(String, Value)>,
    sets: Vec<Group>,
}

/// Whether `name` is a default dimension or one of `properties`: a name a metric cannot take.
fn taken(config: &Config, properties: &[(String, Value)], name: &str) -> bool {
    config.has_dimension(name) || is_property(properties, name)
}

fn is_property(properties: &[(String, Value)], name: &str) -> bool {
    properties.iter().any(|(known, _)| known == name)
}

impl Collector {
    pub(crate) fn add(&mut self, config: &Config, metric: Metric) -> Result<(), Error> {
        let properties = &self.properties;
        self.main
            .add(metric, |name| taken(config, properties, name))
    }

    fn add_value(
        &mut self,
        config: &Config,
        name: &str,
        unit: Unit,
        resolution: Resolution,
        value: f64,
    ) -> Result<(), Error> {
        let properties = &self.properties;
        self.main.add_value(name, unit, resolution, value, |name| {
            taken(config, properties, name)
        })
    }

    pub(crate) fn dimension(
        &mut self,
        config: &Config,
        name: String,
        value: String,
    ) -> Result<(), Error> {
        let properties = &self.properties;
        self.main
            .dimension(name, value, &config.dimensions, |name| {
                is_property(properties, name)
            })
    }

    pub(crate) fn property(
        &mut self,
        config: &Config,
        name: String,
        value: Value,
    ) -> Result<(), Error> {
        error::property_name(&name)?;
        let metric = self.main.metrics.iter().any(|e| e.name == name);
        if metric || self.main.has_dimension(&name) || config.has_dimension(&name) {
            return Err(Error::Conflict {
                name,
                existing: "a metric or dimension",
            });
        }
        self.properties.retain(|(known, _)| *known != name);
        self.properties.push((name, value));
        Ok(())
    }

    pub(crate) fn set(&mut self, config: &Config, set: Group) -> Result<(), Error> {
        if set.width(&config.dimensions) > error::MAX_DIMENSIONS {
            return Err(Error::TooManyDimensions);
        }
        if let Some(entry) = set
            .metrics
            .iter()
            .find(|e| taken(config, &self.properties, &e.name))
        {
            return Err(Error::Conflict {
                name: entry.name.clone(),
                existing: "a default dimension or property",
            });
        }
        self.sets.push(set);
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.main.metrics.is_empty() && self.sets.is_empty()
    }

    /// Every document, one per line.
    pub(crate) fn render(
        &self,
        config: &Config,
        request_id: Option<&str>,
        trace: Option<&str>,
    ) -> Vec<u8> {
        let meta = Meta {
            request_id,
            trace,
            properties: &self.properties,
        };
        let timestamp = now_millis();
        let mut out = Vec::with_capacity(1024);
        emf::write_group(config, &self.main, meta, timestamp, &mut out);
        for set in &self.sets {
            emf::write_group(config, set, meta, timestamp, &mut out);
        }
        out
    }
}

static PROCESS: Mutex<Collector> = Mutex::new(Collector {
    main: Group {
        dimensions: Vec::new(),
        metrics: Vec::new(),
    },
    properties: Vec::new(),
    sets: Vec::new(),
});

/// Calls `f` with the settings and the current collector; [`Error::NoNamespace`] when metrics
/// are not configured.
fn with_collector<R>(
    f: impl FnOnce(&Config, &mut Collector) -> Result<R, Error>,
) -> Result<R, Error> {
    let config = config::current().ok_or(Error::NoNamespace)?;
    invocation::with_current(|current| match current {
        Some(invocation) => invocation.slot(|collector: &mut Collector| f(&config, collector)),
        None => f(
            &config,
            &mut PROCESS.lock().unwrap_or_else(PoisonError::into_inner),
        ),
    })
}

/// Logs a refused value once per call site's error; the value is dropped.
fn dropped(result: Result<(), Error>) {
    match result {
        Ok(()) | Err(Error::NoNamespace) => {}
        Err(e) => tracing::warn!(error = %e, "a metric value was dropped: {e}"),
    }
}

/// Records `value` of the metric `name` (standard resolution) in the current invocation, or
/// outside one for the next [`flush`]. A value CloudWatch would refuse (a bad name, NaN, a
/// name already used with another unit) is logged as a warning and dropped; use
/// [`record`] with a [`Metric`] for the error instead.
pub fn add(name: &str, unit: Unit, value: f64) {
    dropped(error::value(name, value).and_then(|()| {
        with_collector(|config, collector| {
            collector.add_value(config, name, unit, Resolution::Standard, value)
        })
    }));
}

/// Records a built metric in the current invocation, or outside one for the next [`flush`].
///
/// # Errors
///
/// [`Error::Conflict`] when the name is a dimension's or property's, or the metric was
/// recorded with another unit or resolution; [`Error::NoNamespace`] when metrics are not
/// configured.
pub fn record(metric: Metric) -> Result<(), Error> {
    with_collector(|config, collector| collector.add(config, metric))
}

/// Adds a dimension to every metric the current invocation records besides those of a
/// [`MetricSet`](crate::MetricSet) (at most 30 with the defaults). A bad one is logged and
/// dropped.
pub fn dimension(name: &str, value: &str) {
    dropped(with_collector(|config, collector| {
        collector.dimension(config, name.to_owned(), value.to_owned())
    }));
}

/// Adds a property that is not a metric (an order id, a customer tier) to every document of
/// the current invocation: searchable in CloudWatch Logs Insights, not a metric. A bad one is
/// logged and dropped.
pub fn property(name: &str, value: impl serde::Serialize) {
    dropped(
        serde_json::to_value(value)
            .map_err(|e| Error::Property {
                name: name.to_owned(),
                reason: e.to_string(),
            })
            .and_then(|value| {
                with_collector(|config, collector| {
                    collector.property(config, name.to_owned(), value)
                })
            }),
    );
}

pub(crate) fn record_set(set: Group) -> Result<(), Error> {
    with_collector(|config, collector| collector.set(config, set))
}

/// Writes what the current invocation (or, outside one, the process) has recorded now, and
/// starts afresh. Inside an invocation there is no need: it is flushed as it ends. Outside
/// one (init code, a long-running task), call it when a unit of work is done.
pub fn flush() {
    let Some(config) = config::current() else {
        return;
    };
    let (collector, request_id, trace) = invocation::with_current(|current| match current {
        Some(invocation) => (
            invocation.take_slot::<Collector>().unwrap_or_default(),
            invocation.request_id().map(str::to_owned),
            invocation.trace().map(ToString::to_string),
        ),
        None => (
            std::mem::take(&mut *PROCESS.lock().unwrap_or_else(PoisonError::into_inner)),
            None,
            None,
        ),
    });
    write(
        &config,
        &collector,
        request_id.as_deref(),
        trace.as_deref(),
        false,
    );
}

/// The finish hook: flushes the invocation's metrics, and `ColdStart` on the first.
pub(crate) fn finish_invocation(invocation: &Invocation) {
    let collector = invocation.take_slot::<Collector>();
    let cold = invocation.is_cold_start();
    if collector.is_none() && !cold {
        return;
    }
    let Some(config) = config::current() else {
        return;
    };
    let trace = invocation.trace().map(ToString::to_string);
    write(
        &config,
        &collector.unwrap_or_default(),
        invocation.request_id(),
        trace.as_deref(),
        cold && config.cold_start,
    );
}

fn write(
    config: &Config,
    collector: &Collector,
    request_id: Option<&str>,
    trace: Option<&str>,
    cold: bool,
) {
    if collector.is_empty() && !cold {
        return;
    }
    let mut out = collector.render(config, request_id, trace);
    if cold {
        let meta = Meta {
            request_id,
            trace,
            properties: &[],
        };
        emf::write_cold_start(config, meta, now_millis(), &mut out);
    }
    // Every member was written from a `str` or by serde_json: the bytes are UTF-8.
    (config.sink)(&String::from_utf8_lossy(&out));
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
