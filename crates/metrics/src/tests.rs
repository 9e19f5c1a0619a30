//! The documents themselves, checked against the EMF rules.

use serde_json::{Value, json};
use updraft_testkit::check_emf;

use crate::config::Config;
use crate::metric::Metric;
use crate::scope::Collector;
use crate::{Error, MetricSet, Metrics, Unit};

fn config() -> Config {
    Metrics::new()
        .namespace("Shop")
        .service("orders")
        .default_dimension("stage", "prod")
        .build()
        .unwrap()
}

fn documents(collector: &Collector, config: &Config) -> Vec<serde_json::Map<String, Value>> {
    let rendered = collector.render(
        config,
        Some("req-1"),
        Some("Root=1-5759e988-bd862e3fe1be46a994272793"),
    );
    String::from_utf8(rendered)
        .unwrap()
        .lines()
        .map(|line| check_emf(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn metric(name: &str, value: f64) -> Metric {
    Metric::new(name, Unit::Count, value).unwrap()
}

#[test]
fn one_invocation_is_one_document_with_its_dimensions_and_metadata() {
    let config = config();
    let mut collector = Collector::default();
    collector.add(&config, metric("OrdersPlaced", 3.0)).unwrap();
    collector.add(&config, metric("OrdersPlaced", 4.0)).unwrap();
    let latency = Metric::new("Latency", Unit::Milliseconds, 12.5)
        .unwrap()
        .high_resolution();
    collector.add(&config, latency).unwrap();
    collector
        .dimension(&config, "tenant".into(), "acme".into())
        .unwrap();
    collector
        .property(&config, "order_id".into(), json!("o-1"))
        .unwrap();
    let docs = documents(&collector, &config);
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    let directive = &doc["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Shop");
    assert_eq!(
        directive["Dimensions"],
        json!([["service", "stage", "tenant"]])
    );
    assert_eq!(
        directive["Metrics"],
        json!([
            {"Name": "OrdersPlaced", "Unit": "Count"},
            {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1},
        ])
    );
    assert_eq!(doc["OrdersPlaced"], json!([3.0, 4.0]));
    assert_eq!(doc["Latency"], json!(12.5));
    assert_eq!(
        (&doc["service"], &doc["tenant"]),
        (&json!("orders"), &json!("acme"))
    );
    assert_eq!(doc["order_id"], "o-1");
    assert_eq!(doc["request_id"], "req-1");
    assert_eq!(
        doc["xray_trace_id"],
        "Root=1-5759e988-bd862e3fe1be46a994272793"
    );
}

#[test]
fn over_100_metrics_or_values_split_across_documents() {
    let config = config();
    let mut collector = Collector::default();
    for n in 0..250 {
        collector
            .add(&config, metric(&format!("m{n}"), 1.0))
            .unwrap();
    }
    for n in 0..230 {
        collector.add(&config, metric("m0", f64::from(n))).unwrap();
    }
    let docs = documents(&collector, &config);
    let metrics: Vec<usize> = docs
        .iter()
        .map(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(
        metrics,
        [100, 100, 50, 1, 1],
        "m0's 231 values: 100 + 100 + 31"
    );
    let m0: Vec<f64> = docs
        .iter()
        .filter_map(|d| d.get("m0"))
        .flat_map(|v| match v {
            Value::Array(values) => values.iter().map(|v| v.as_f64().unwrap()).collect(),
            one => vec![one.as_f64().unwrap()],
        })
        .collect();
    assert_eq!(m0.len(), 231, "no value lost or repeated");
    assert!(m0[0].total_cmp(&1.0).is_eq() && m0[230].total_cmp(&229.0).is_eq());
}

#[test]
fn metric_sets_get_documents_of_their_own() {
    let config = config();
    let mut collector = Collector::default();
    collector.add(&config, metric("OrdersPlaced", 1.0)).unwrap();
    let set = MetricSet::new()
        .dimension("payment", "card")
        .unwrap()
        .add("Charged", Unit::Count, 1.0)
        .unwrap();
    collector.set(&config, set.0).unwrap();
    let docs = documents(&collector, &config);
    assert_eq!(docs.len(), 2);
    assert!(docs[0].get("Charged").is_none() && docs[1].get("OrdersPlaced").is_none());
    assert_eq!(
        docs[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["service", "stage", "payment"]])
    );
}

#[test]
fn conflicting_or_invalid_input_is_refused_and_never_rendered() {
    let config = config();
    let mut collector = Collector::default();
    collector.add(&config, metric("Orders", 1.0)).unwrap();
    let seconds = Metric::new("Orders", Unit::Seconds, 1.0).unwrap();
    assert!(matches!(
        collector.add(&config, seconds),
        Err(Error::Conflict { .. })
    ));
    let high = metric("Orders", 1.0).high_resolution();
    assert!(matches!(
        collector.add(&config, high),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        collector.add(&config, metric("stage", 1.0)),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        collector.dimension(&config, "Orders".into(), "x".into()),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        collector.property(&config, "service".into(), json!(1)),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        collector.property(&config, "_aws".into(), json!(1)),
        Err(Error::Name { .. })
    ));
    collector
        .property(&config, "note".into(), json!("n"))
        .unwrap();
    assert!(matches!(
        collector.add(&config, metric("note", 1.0)),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        collector.dimension(&config, "tenant".into(), "\n".into()),
        Err(Error::Name { .. })
    ));
    for n in 0..28 {
        collector
            .dimension(&config, format!("d{n}"), "v".into())
            .unwrap();
    }
    assert_eq!(
        collector.dimension(&config, "one-too-many".into(), "v".into()),
        Err(Error::TooManyDimensions)
    );
    collector
        .dimension(&config, "stage".into(), "dev".into())
        .unwrap();
    let wide = (0..29).fold(MetricSet::new(), |set, n| {
        set.dimension(format!("w{n}"), "v").unwrap()
    });
    assert_eq!(
        collector.set(&config, wide.0),
        Err(Error::TooManyDimensions)
    );
    let docs = documents(&collector, &config);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["Orders"], json!(1.0));
    assert_eq!(
        docs[0]["stage"], "dev",
        "an invocation's dimension wins over a default"
    );
    for bad in [f64::NAN, f64::INFINITY, 1e308] {
        assert!(matches!(
            Metric::new("x", Unit::Count, bad),
            Err(Error::Value { .. })
        ));
    }
}

#[test]
fn nothing_recorded_writes_nothing() {
    assert!(
        Collector::default()
            .render(&config(), None, None)
            .is_empty()
    );
}
