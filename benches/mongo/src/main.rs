//! `mongo-proxy-latency`: what the model-query proxy adds to the bare driver call it makes, on
//! SecantusDB (run by `cargo xtask bench` with the local servers' env).
//!
//! Both sides read the same 20 documents of one state's `orders` (200 in all, half of them
//! open) with the same filter and limit. The bare side is the driver's `find` collected into
//! documents; the proxy's side is a whole invocation as the invoke context answers it: the
//! flat payload read, the session made current, its state checked (a cached answer), the
//! query checked and its ids coerced, the find with `maxTimeMS`, the documents turned into
//! JSON and the envelope built. Paired rounds alternate a batch of each. Prints:
//!
//! - `RATIO mongo-proxy`: proxy ÷ bare driver call (median of the rounds);
//! - `NS mongo-proxy-added`: the median added time per query.
//!
//! SecantusDB answers a find in milliseconds, with a spread wider than the proxy's own work,
//! so that work is also timed apart from the server, in process:
//!
//! - `NS mongo-proxy-checks`: a whole invocation whose state is refused from the cache after
//!   every other check has run (payload, collection, limit, JSON→BSON, operators, ids): all of
//!   the proxy's work before the query, and the envelope, with no I/O;
//! - `NS mongo-json-20`: the 20 documents of the answer turned into JSON.
#![allow(clippy::print_stdout, reason = "the figures are the program's output")]

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use serde_json::json;
use updraft::mongo_repo::bson::{Document, doc};
use updraft::mongo_repo::proxy::QueryProxy;
use updraft::mongo_repo::{Mongo, States};

const ROUNDS: usize = 21;
const PER_ROUND: u32 = 50;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = std::process::id();
    let (states_db, state) = (format!("bench-states-{run}"), format!("bench-ct-{run}"));
    let mongo = Mongo::shared()
        .await?
        .with_states(States::new(&states_db, "states", "name"));
    mongo
        .db(&states_db)
        .collection::<Document>("states")
        .insert_one(doc! {"name": &state, "is_active": true})
        .await?;
    let orders = mongo.db(&state).collection::<Document>("orders");
    orders
        .insert_many((0..200).map(|n| {
            doc! {"n": n, "status": if n % 2 == 0 { "open" } else { "paid" }, "customer_id": format!("c-{}", n % 7), "cents": n * 100}
        }))
        .await?;
    mongo
        .db(&states_db)
        .collection::<Document>("states")
        .insert_one(doc! {"name": "bench-retired", "is_active": false})
        .await?;
    let outcome = measure(&mongo, &orders, &state).await;
    for database in [&states_db, &state] {
        mongo.db(database).drop().await?;
    }
    outcome
}

async fn measure(
    mongo: &Mongo,
    orders: &updraft::mongo_repo::mongodb::Collection<Document>,
    state: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let proxy = QueryProxy::new(mongo, ["orders"]);
    let event = json!({"session": {"state": state}, "collection": "orders", "filter": {"status": "open"}, "limit": 20});
    let bare_batch = || async {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            let documents: Vec<Document> = orders
                .find(doc! {"status": "open"})
                .limit(20)
                .await?
                .try_collect()
                .await?;
            assert_eq!(documents.len(), 20);
        }
        Ok::<_, Box<dyn std::error::Error>>(started.elapsed())
    };
    let proxy_batch = || async {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            let envelope = proxy.call(event.clone()).await;
            assert!(envelope.success, "{:?}", envelope.error);
        }
        Ok::<_, Box<dyn std::error::Error>>(started.elapsed())
    };
    // Warm the connections and the state cache.
    bare_batch().await?;
    proxy_batch().await?;
    let (mut ratios, mut added, mut bare_calls) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (bare, proxied): (Duration, Duration) = if round % 2 == 0 {
            let bare = bare_batch().await?;
            (bare, proxy_batch().await?)
        } else {
            let proxied = proxy_batch().await?;
            (bare_batch().await?, proxied)
        };
        ratios.push(proxied.as_secs_f64() / bare.as_secs_f64());
        let per_call = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(PER_ROUND);
        added.push(per_call(proxied) - per_call(bare));
        bare_calls.push(per_call(bare));
    }
    eprintln!(
        "mongo-proxy: bare driver find of 20 documents on SecantusDB {:.0} µs; medians of {ROUNDS} paired rounds of {PER_ROUND}",
        median(bare_calls) / 1000.0
    );
    println!("RATIO mongo-proxy {:.3}", median(ratios));
    println!("NS mongo-proxy-added {:.0}", median(added));
    own_work(&proxy, orders).await
}

/// The proxy's work apart from the server: its checks, and the answer's JSON.
async fn own_work(
    proxy: &QueryProxy,
    orders: &updraft::mongo_repo::mongodb::Collection<Document>,
) -> Result<(), Box<dyn std::error::Error>> {
    const CALLS: u32 = 2000;
    let refused = json!({"session": {"state": "bench-retired"}, "collection": "orders", "filter": {"status": "open", "_id": {"$nin": ["65f1a2b3c4d5e6f7a8b9c0d1"]}}, "limit": 20});
    let first = proxy.call(refused.clone()).await;
    assert!(
        first
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not an active state")),
        "{first:?}"
    );
    let documents: Vec<Document> = orders
        .find(doc! {"status": "open"})
        .limit(20)
        .await?
        .try_collect()
        .await?;
    let (mut checks, mut json) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..CALLS {
            std::hint::black_box(proxy.call(std::hint::black_box(refused.clone())).await);
        }
        checks.push(started.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS));
        let started = Instant::now();
        for _ in 0..CALLS {
            for document in std::hint::black_box(&documents) {
                std::hint::black_box(updraft::mongo_repo::json::to_json(document));
            }
        }
        json.push(started.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS));
    }
    println!("NS mongo-proxy-checks {:.0}", median(checks));
    println!("NS mongo-json-20 {:.0}", median(json));
    Ok(())
}
