//! `idempotency-latency`: what an idempotent call costs over the bare handler, on DynamoDB
//! Local (run by `cargo xtask bench` with the local servers' env).
//!
//! The handler writes one payment item, as `examples/idempotent-payments` does. Paired rounds
//! alternate a batch of bare calls and a batch of idempotent first calls (claim, handler,
//! complete), each with a fresh key; then repeats of one key are timed, answered from the
//! table and from the in-memory cache. Prints:
//!
//! - `RATIO idempotency-first-call`: idempotent first call ÷ bare call (median of the rounds);
//! - `NS idempotency-added`: the median added time per first call;
//! - `NS idempotency-replay`, `NS idempotency-replay-cached`: a repeat's median time.
#![allow(clippy::print_stdout, reason = "the figures are the program's output")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use updraft::dynamo::{Capacity, Dynamo, Model, Table};
use updraft::idempotency::{Idempotency, Key};

const ROUNDS: usize = 21;
const PER_ROUND: u32 = 40;

/// One payment.
#[derive(Model, Debug, Clone, Serialize, Deserialize)]
#[dynamo(table = "payments")]
struct Payment {
    #[dynamo(hash)]
    id: String,
    amount: i64,
}

/// A payment request.
#[derive(Debug, Clone, Serialize)]
struct Pay {
    key: String,
    amount: i64,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn fresh() -> String {
    format!(
        "k-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn pay(payments: &Table<Payment>, request: Pay) -> Result<Payment, updraft::dynamo::Error> {
    let payment = Payment {
        id: request.key,
        amount: request.amount,
    };
    payments.put(&payment).await?;
    Ok(payment)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = updraft::core::aws::load().await?;
    let dynamo = Dynamo::new(&config);
    let run = std::process::id();
    let payments = dynamo.table_named::<Payment>(format!("BenchPayments-{run}"));
    payments.create(Capacity::OnDemand).await?;
    let idempotency =
        Idempotency::new(&dynamo, format!("BenchIdempotency-{run}")).function_name("bench");
    idempotency.create_table_if_missing().await?;
    let outcome = measure(&dynamo, &payments, &idempotency).await;
    for table in [payments.name(), idempotency.table_name()] {
        let _ = dynamo.sdk().delete_table().table_name(table).send().await;
    }
    outcome
}

async fn measure(
    _dynamo: &Dynamo,
    payments: &Table<Payment>,
    idempotency: &Idempotency,
) -> Result<(), Box<dyn std::error::Error>> {
    let handler = |request: Pay| {
        let payments = payments.clone();
        async move { pay(&payments, request).await }
    };
    let wrapped = idempotency.wrap("pay", Key::fields(["key"]), handler);
    let bare_batch = || async {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            pay(
                payments,
                Pay {
                    key: fresh(),
                    amount: 5,
                },
            )
            .await?;
        }
        Ok::<_, Box<dyn std::error::Error>>(started.elapsed())
    };
    let wrapped_batch = || async {
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            wrapped
                .call(Pay {
                    key: fresh(),
                    amount: 5,
                })
                .await?;
        }
        Ok::<_, Box<dyn std::error::Error>>(started.elapsed())
    };
    // Warm the connections and tables.
    bare_batch().await?;
    wrapped_batch().await?;
    let (mut ratios, mut added, mut bare_calls) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (bare, idempotent): (Duration, Duration) = if round % 2 == 0 {
            let bare = bare_batch().await?;
            (bare, wrapped_batch().await?)
        } else {
            let idempotent = wrapped_batch().await?;
            (bare_batch().await?, idempotent)
        };
        ratios.push(idempotent.as_secs_f64() / bare.as_secs_f64());
        let per_call = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(PER_ROUND);
        added.push(per_call(idempotent) - per_call(bare));
        bare_calls.push(per_call(bare));
    }
    let replay = repeats(&wrapped).await?;
    let cached =
        idempotency
            .clone()
            .local_cache(100)
            .wrap("pay", Key::fields(["key"]), |request: Pay| {
                let payments = payments.clone();
                async move { pay(&payments, request).await }
            });
    let replay_cached = repeats(&cached).await?;
    eprintln!(
        "idempotency: bare call (one PutItem on DynamoDB Local) {:.0} µs; medians of {ROUNDS} paired rounds of {PER_ROUND}",
        median(bare_calls) / 1000.0
    );
    println!("RATIO idempotency-first-call {:.3}", median(ratios));
    println!("NS idempotency-added {:.0}", median(added));
    println!("NS idempotency-replay {replay:.0}");
    println!("NS idempotency-replay-cached {replay_cached:.0}");
    Ok(())
}

/// The median time of a repeat of one key, in ns.
async fn repeats<F, Fut>(
    wrapped: &updraft::idempotency::Idempotent<F, Pay>,
) -> Result<f64, Box<dyn std::error::Error>>
where
    F: Fn(Pay) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Payment, updraft::dynamo::Error>>,
{
    let request = Pay {
        key: fresh(),
        amount: 7,
    };
    wrapped.call(request.clone()).await?;
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let _: Payment = wrapped.call(request.clone()).await?;
        times.push(started.elapsed().as_secs_f64() * 1e9);
    }
    Ok(median(times))
}
