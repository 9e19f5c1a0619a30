//! Embedded Metric Format documents: one JSON object per line, each with the `_aws` metadata
//! that tells CloudWatch which members are metrics and which are dimensions.

use serde_json::Value;

use crate::config::Config;
use crate::error::{MAX_METRICS_PER_DOCUMENT, MAX_VALUES_PER_METRIC};
use crate::metric::{Entry, Group};
use crate::unit::{Resolution, Unit};

/// What every document of an invocation carries besides metrics: properties that are not
/// metrics.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Meta<'a> {
    pub(crate) request_id: Option<&'a str>,
    pub(crate) trace: Option<&'a str>,
    pub(crate) properties: &'a [(String, Value)],
}

/// Appends the documents of `group` (under the default dimensions and its own) to `out`, one
/// per line: values of one metric are split 100 per document, metrics 100 per document.
pub(crate) fn write_group(
    config: &Config,
    group: &Group,
    meta: Meta<'_>,
    timestamp: u64,
    out: &mut Vec<u8>,
) {
    let mut dimensions: Vec<(&str, &str)> = config
        .dimensions
        .iter()
        .filter(|(name, _)| !group.has_dimension(name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    dimensions.extend(
        group
            .dimensions
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let most = group
        .metrics
        .iter()
        .map(|e| e.values.len())
        .max()
        .unwrap_or(0);
    let mut first = 0;
    while first < most {
        let round: Vec<&Entry> = group
            .metrics
            .iter()
            .filter(|entry| entry.values.len() > first)
            .collect();
        for chunk in round.chunks(MAX_METRICS_PER_DOCUMENT) {
            document(config, &dimensions, chunk, first, meta, timestamp, out);
        }
        first += MAX_VALUES_PER_METRIC;
    }
}

/// The `ColdStart` document: Count 1 under the defaults and `function_name`.
pub(crate) fn write_cold_start(config: &Config, meta: Meta<'_>, timestamp: u64, out: &mut Vec<u8>) {
    let mut group = Group::default();
    if let Some(function) = &config.function_name
        && !config.has_dimension("function_name")
    {
        group
            .dimensions
            .push(("function_name".into(), function.clone()));
    }
    group.metrics.push(Entry {
        name: "ColdStart".into(),
        unit: Unit::Count,
        resolution: Resolution::Standard,
        values: vec![1.0],
    });
    write_group(config, &group, meta, timestamp, out);
}

/// Writes one document. Written by hand rather than built as a `serde_json::Value` (which
/// costs a map and an allocation per member); the recording side has made every member name
/// unique, and a property that a later configuration made a dimension is skipped here.
fn document(
    config: &Config,
    dimensions: &[(&str, &str)],
    entries: &[&Entry],
    first: usize,
    meta: Meta<'_>,
    timestamp: u64,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"{\"_aws\":{\"Timestamp\":");
    out.extend_from_slice(timestamp.to_string().as_bytes());
    out.extend_from_slice(b",\"CloudWatchMetrics\":[{\"Namespace\":");
    string(out, &config.namespace);
    out.extend_from_slice(b",\"Dimensions\":[[");
    for (n, (name, _)) in dimensions.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        string(out, name);
    }
    out.extend_from_slice(b"]],\"Metrics\":[");
    for (n, entry) in entries.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"Name\":");
        string(out, &entry.name);
        out.extend_from_slice(b",\"Unit\":\"");
        out.extend_from_slice(entry.unit.as_str().as_bytes());
        out.push(b'"');
        if entry.resolution == Resolution::High {
            out.extend_from_slice(b",\"StorageResolution\":1");
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}]}");
    for (name, value) in dimensions {
        member(out, name);
        string(out, value);
    }
    for entry in entries {
        member(out, &entry.name);
        let end = entry.values.len().min(first + MAX_VALUES_PER_METRIC);
        match &entry.values[first..end] {
            [one] => number(out, *one),
            many => {
                out.push(b'[');
                for (n, value) in many.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    number(out, *value);
                }
                out.push(b']');
            }
        }
    }
    let taken = |name: &str| {
        dimensions.iter().any(|(known, _)| *known == name)
            || entries.iter().any(|entry| entry.name == name)
    };
    for (name, value) in meta.properties {
        if !taken(name) {
            member(out, name);
            // A `Value` always serializes.
            let _ = serde_json::to_writer(&mut *out, value);
        }
    }
    if let Some(id) = meta.request_id {
        member(out, "request_id");
        string(out, id);
    }
    if let Some(trace) = meta.trace {
        member(out, "xray_trace_id");
        string(out, trace);
    }
    out.extend_from_slice(b"}\n");
}

/// `,"name":`
fn member(out: &mut Vec<u8>, name: &str) {
    out.push(b',');
    string(out, name);
    out.push(b':');
}

fn string(out: &mut Vec<u8>, value: &str) {
    // Writing a `str` to a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A finite value (checked when recorded) as JSON.
fn number(out: &mut Vec<u8>, value: f64) {
    let _ = serde_json::to_writer(&mut *out, &value);
}
