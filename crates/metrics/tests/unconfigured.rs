//! A process that never configured metrics (and has no `UPDRAFT_METRICS_NAMESPACE`): recording
//! is refused with `NoNamespace` or dropped, never a panic and never a document.
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft_core::Invocation;
use updraft_metrics::{Error, Metric, MetricSet, Unit};

#[tokio::test]
async fn without_a_namespace_metrics_are_refused_or_dropped() {
    assert!(
        std::env::var_os("UPDRAFT_METRICS_NAMESPACE").is_none(),
        "this test needs no namespace in its environment"
    );
    let outcome = Invocation::new()
        .with_request_id("req-1")
        .scope(async {
            updraft_metrics::add("Orders", Unit::Count, 1.0);
            updraft_metrics::dimension("tenant", "acme");
            updraft_metrics::property("order", 7);
            updraft_metrics::flush();
            (
                updraft_metrics::record(Metric::new("Orders", Unit::Count, 1.0).unwrap()),
                MetricSet::new()
                    .add("Charged", Unit::Count, 1.0)
                    .unwrap()
                    .record(),
            )
        })
        .await;
    assert_eq!(outcome, (Err(Error::NoNamespace), Err(Error::NoNamespace)));
    updraft_metrics::add("Orders", Unit::Count, f64::NAN);
    updraft_metrics::flush();
}
