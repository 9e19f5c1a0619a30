//! The demo's MongoDB step: `examples/mongo-orders` seeded, its index sync run once, then its
//! model-query proxy asked, refused and routed by the caller's state, on SecantusDB.

use std::process::{Command, Stdio};

use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Seeds `core.states` and a few orders, then runs both functions on the example's events.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn mongo_orders(layout: &Layout, servers: &Guard) -> Result<()> {
    println!(
        "\n17. mongo: examples/mongo-orders syncs indexes across the active states of core.states, then answers model queries"
    );
    let status = Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args([
            "run",
            "--quiet",
            "-p",
            "example-mongo-orders",
            "--example",
            "seed",
        ])
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(fail(format!("the mongo-orders seed exited with {status}")));
    }
    println!("   seeded: connecticut and new_jersey active, retired inactive; 4 orders each");
    let binaries = super::build(layout, &["example-mongo-orders"])?;
    let vars: Vec<(String, String)> = servers
        .vars
        .iter()
        .cloned()
        .chain([("RUST_LOG".to_owned(), "off".to_owned())])
        .collect();
    let sync = super::run_with_stdin(&binaries.join("mongo-orders-index-sync"), "{}", &vars)?;
    println!("   index sync {{}}\n        -> {}", sync.trim());
    if !sync.contains(r#""database":"new_jersey""#) {
        return Err(fail(format!("the index sync missed a state: {sync}")));
    }
    let queries = [
        r#"{"session": {"state": "connecticut"}, "collection": "orders", "filter": {"status": "open"}, "fields": {"status": 1, "cents": 1}}"#,
        r#"{"session": {"state": "new_jersey"}, "collection": "orders", "pipeline": [{"$group": {"_id": "$status", "cents": {"$sum": "$cents"}}}, {"$sort": {"_id": 1}}]}"#,
        r#"{"session": {"state": "connecticut"}, "collection": "orders", "filter": {"id": "65f100000000000000000001"}}"#,
        r#"{"session": {"state": "connecticut"}, "collection": "orders", "filter": {"$where": "this.cents > 0"}}"#,
        r#"{"session": {"state": "connecticut"}, "collection": "orders", "pipeline": [{"$lookup": {"from": "users", "localField": "customer_id", "foreignField": "_id", "as": "u"}}]}"#,
        r#"{"session": {"state": "retired"}, "collection": "orders"}"#,
        r#"{"session": {"state": "admin"}, "collection": "orders"}"#,
    ];
    for query in queries {
        let answer = super::run_with_stdin(&binaries.join("mongo-orders-query"), query, &vars)?;
        println!("   {query}\n        -> {}", answer.trim());
    }
    Ok(())
}
