//! [`Metric`] and [`MetricSet`]: values checked as they are built, grouped under dimensions.

use crate::error::{self, Error, MAX_DIMENSIONS};
use crate::unit::{Resolution, Unit};

/// One value of a metric, checked when built.
///
/// ```
/// use updraft_metrics::{Metric, Unit};
///
/// let latency = Metric::new("CheckoutLatency", Unit::Milliseconds, 12.5)?.high_resolution();
/// assert!(Metric::new("Broken", Unit::Count, f64::NAN).is_err());
/// # drop(latency);
/// # Ok::<(), updraft_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub(crate) name: String,
    pub(crate) unit: Unit,
    pub(crate) resolution: Resolution,
    pub(crate) value: f64,
}

impl Metric {
    /// `value` of the metric `name` in `unit`, at standard resolution.
    ///
    /// # Errors
    ///
    /// [`Error::Name`] for a name CloudWatch refuses or a reserved one (`_aws`, `request_id`,
    /// `xray_trace_id`); [`Error::Value`] for a value it does not store (NaN, infinite, beyond
    /// ±2^360).
    pub fn new(name: impl Into<String>, unit: Unit, value: f64) -> Result<Self, Error> {
        let name = name.into();
        error::metric_name(&name)?;
        error::value(&name, value)?;
        Ok(Self {
            name,
            unit,
            resolution: Resolution::Standard,
            value,
        })
    }

    /// Stored at one-second resolution.
    #[must_use]
    pub fn high_resolution(mut self) -> Self {
        self.resolution = Resolution::High;
        self
    }
}

/// The values of one metric in one group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) unit: Unit,
    pub(crate) resolution: Resolution,
    pub(crate) values: Vec<f64>,
}

/// Metrics that share one set of dimensions (besides the defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Group {
    pub(crate) dimensions: Vec<(String, String)>,
    pub(crate) metrics: Vec<Entry>,
}

impl Group {
    /// Adds a value whose name and value are checked; a metric seen before must keep its
    /// unit and resolution, and a metric cannot share a name with a dimension.
    pub(crate) fn add(
        &mut self,
        metric: Metric,
        taken: impl Fn(&str) -> bool,
    ) -> Result<(), Error> {
        let Metric {
            name,
            unit,
            resolution,
            value,
        } = metric;
        if let Some(added) = self.add_existing(&name, unit, resolution, value) {
            return added;
        }
        if taken(&name) || self.has_dimension(&name) {
            return Err(Error::Conflict {
                name,
                existing: "a dimension or property",
            });
        }
        self.metrics.push(Entry {
            name,
            unit,
            resolution,
            values: vec![value],
        });
        Ok(())
    }

    /// As [`Group::add`] for a checked value, with the name checked here when the metric is
    /// new; allocates only then.
    pub(crate) fn add_value(
        &mut self,
        name: &str,
        unit: Unit,
        resolution: Resolution,
        value: f64,
        taken: impl Fn(&str) -> bool,
    ) -> Result<(), Error> {
        if let Some(added) = self.add_existing(name, unit, resolution, value) {
            return added;
        }
        error::metric_name(name)?;
        let metric = Metric {
            name: name.to_owned(),
            unit,
            resolution,
            value,
        };
        self.add(metric, taken)
    }

    /// Adds `value` to the metric `name` when the group has it (`None` when not).
    fn add_existing(
        &mut self,
        name: &str,
        unit: Unit,
        resolution: Resolution,
        value: f64,
    ) -> Option<Result<(), Error>> {
        let entry = self.metrics.iter_mut().find(|e| e.name == name)?;
        if entry.unit != unit || entry.resolution != resolution {
            return Some(Err(Error::Conflict {
                name: name.to_owned(),
                existing: "recorded with another unit or resolution",
            }));
        }
        entry.values.push(value);
        Some(Ok(()))
    }

    /// Adds (or replaces) a dimension; `defaults` are the names the document has already.
    pub(crate) fn dimension(
        &mut self,
        name: String,
        value: String,
        defaults: &[(String, String)],
        taken: impl Fn(&str) -> bool,
    ) -> Result<(), Error> {
        error::dimension_name(&name)?;
        error::dimension_value(&name, &value)?;
        if taken(&name) || self.metrics.iter().any(|e| e.name == name) {
            return Err(Error::Conflict {
                name,
                existing: "a metric or property",
            });
        }
        if let Some(known) = self.dimensions.iter_mut().find(|(known, _)| *known == name) {
            known.1 = value;
            return Ok(());
        }
        let is_default = defaults.iter().any(|(known, _)| *known == name);
        if !is_default && self.width(defaults) >= MAX_DIMENSIONS {
            return Err(Error::TooManyDimensions);
        }
        self.dimensions.push((name, value));
        Ok(())
    }

    pub(crate) fn has_dimension(&self, name: &str) -> bool {
        self.dimensions.iter().any(|(known, _)| known == name)
    }

    /// The number of distinct dimensions with `defaults`.
    pub(crate) fn width(&self, defaults: &[(String, String)]) -> usize {
        defaults.len()
            + self
                .dimensions
                .iter()
                .filter(|(name, _)| !defaults.iter().any(|(known, _)| known == name))
                .count()
    }
}

/// Metrics with dimensions of their own besides the defaults (an operation, a payment
/// method), emitted in documents of their own; built with checks, then recorded.
///
/// ```
/// use updraft_metrics::{MetricSet, Unit};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), updraft_metrics::Error> {
/// # updraft_metrics::Metrics::new().namespace("Shop").sink(|_| {}).install()?;
/// MetricSet::new()
///     .dimension("payment", "card")?
///     .add("Charged", Unit::Count, 1.0)?
///     .add("ChargeLatency", Unit::Milliseconds, 84.0)?
///     .record()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct MetricSet(pub(crate) Group);

impl MetricSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a dimension (at most 30 with the defaults, which is checked when recorded).
    ///
    /// # Errors
    ///
    /// [`Error::Name`] for a bad name or value, [`Error::Conflict`] when a metric of the set
    /// has the name, [`Error::TooManyDimensions`] beyond 30.
    pub fn dimension(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, Error> {
        self.0
            .dimension(name.into(), value.into(), &[], |_| false)?;
        Ok(self)
    }

    /// Adds a value of a metric, at standard resolution.
    ///
    /// # Errors
    ///
    /// As [`Metric::new`], and [`Error::Conflict`] for a name the set uses otherwise.
    pub fn add(self, name: impl Into<String>, unit: Unit, value: f64) -> Result<Self, Error> {
        self.metric(Metric::new(name, unit, value)?)
    }

    /// Adds a built metric.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] for a name the set uses otherwise.
    pub fn metric(mut self, metric: Metric) -> Result<Self, Error> {
        self.0.add(metric, |_| false)?;
        Ok(self)
    }

    /// Records the set in the current invocation (or, outside one, for the next
    /// [`flush`](crate::flush)).
    ///
    /// # Errors
    ///
    /// [`Error::TooManyDimensions`] with the default dimensions, [`Error::Conflict`] when a
    /// metric has a default dimension's name, [`Error::NoNamespace`] when metrics are not
    /// configured.
    pub fn record(self) -> Result<(), Error> {
        crate::scope::record_set(self.0)
    }
}
