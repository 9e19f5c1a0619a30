#![doc = include_str!("../README.md")]

mod config;
mod emf;
mod error;
mod metric;
mod scope;
mod unit;

pub use config::Metrics;
pub use error::{Error, MAX_DIMENSIONS, MAX_METRICS_PER_DOCUMENT, MAX_VALUES_PER_METRIC};
pub use metric::{Metric, MetricSet};
pub use scope::{add, dimension, flush, property, record};
pub use unit::{Resolution, Unit};

#[cfg(test)]
mod tests;
