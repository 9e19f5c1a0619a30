//! The demo's metrics step: `examples/metrics` run once on an event, outside Lambda, and the
//! EMF documents it prints.

use crate::servers::Layout;
use crate::{Result, fail};

/// Runs the example on one event and shows the documents and the answer.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn metrics(layout: &Layout) -> Result<()> {
    let binaries = super::build(layout, &["example-metrics"])?;
    println!(
        "\n16. metrics: examples/metrics records OrdersPlaced; its EMF documents go to stdout as the invocation ends"
    );
    let vars = [
        ("UPDRAFT_METRICS_NAMESPACE", "UpdraftDemo"),
        ("UPDRAFT_SERVICE_NAME", "orders"),
        ("UPDRAFT_METRICS_COLD_START", "true"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let event = r#"{"data": {"orders": 3}}"#;
    let out = super::run_with_stdin(&binaries.join("metrics"), event, &vars)?;
    println!("   {event}");
    let mut documents = 0;
    for line in out.lines() {
        println!("        -> {line}");
        documents += usize::from(line.contains("\"_aws\""));
    }
    if documents != 2 || !out.contains("\"recorded\":3") {
        return Err(fail(format!(
            "examples/metrics printed {documents} EMF documents (expected OrdersPlaced and ColdStart): {out}"
        )));
    }
    Ok(())
}
