//! `RATIO metrics-overhead`: one invocation whose handler records 10 metrics ÷ one invocation of
//! an empty handler, both through the invoke context as the Lambda runtime loop calls it
//! (`Invocations` around `invoke::handler`), in the same run. `NS metrics-10-added` is the
//! difference of their medians: what recording, rendering and flushing 10 metrics adds to an
//! invocation.
//!
//! The documents go to a sink that keeps their length (rendering and the flush are measured;
//! the write to stdout, which Lambda's log pipe takes, is not).
//!
//! Criterion gives each side's time. The ratio comes from paired rounds, as the other benches
//! do: a batch of one side, then of the other, alternating which goes first; the median of the
//! per-round ratios and the added nanoseconds go to `target/criterion/metrics/`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use updraft_contexts::lambda::Invocations;
use updraft_contexts::lambda_runtime::{Context, LambdaEvent};
use updraft_metrics::{Metrics, Unit};

const ROUNDS: usize = 41;
const PER_ROUND: u32 = 2_000;

static WRITTEN: AtomicUsize = AtomicUsize::new(0);

const NAMES: [&str; 10] = [
    "OrdersPlaced",
    "OrderValue",
    "Items",
    "Discount",
    "Latency",
    "DbCalls",
    "CacheHits",
    "CacheMisses",
    "Retries",
    "PayloadBytes",
];

/// Records 10 metrics when the data says so, else nothing: one handler for both sides, so
/// that they differ only in the recording.
#[allow(clippy::unused_async, reason = "a handler is an async function")]
async fn handler(data: Value) -> Result<Value, String> {
    if data["metrics"] == true {
        for (n, name) in (0u32..).zip(NAMES) {
            updraft_metrics::add(name, Unit::Count, black_box(f64::from(n)));
        }
    }
    Ok(Value::Null)
}

fn event(n: u64, metrics: bool) -> LambdaEvent<Value> {
    let mut context = Context::default();
    context.request_id = format!("req-{n}");
    context.xray_trace_id = Some(format!("Root=1-6930a1b2-{n:024x};Sampled=1"));
    context.deadline = 4_102_444_800_000;
    LambdaEvent::new(json!({ "data": { "metrics": metrics } }), context)
}

fn main() {
    Metrics::new()
        .namespace("Bench")
        .service("orders")
        .sink(|documents| {
            WRITTEN.fetch_add(black_box(documents).len(), Ordering::Relaxed);
        })
        .install()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let service = Invocations::new(updraft_contexts::invoke::handler(handler).session_optional());
    runtime.block_on(async {
        assert!(
            service
                .clone()
                .oneshot(event(0, false))
                .await
                .unwrap()
                .success
        );
        assert_eq!(
            WRITTEN.load(Ordering::Relaxed),
            0,
            "nothing recorded, nothing written"
        );
        assert!(
            service
                .clone()
                .oneshot(event(1, true))
                .await
                .unwrap()
                .success
        );
        assert!(
            WRITTEN.load(Ordering::Relaxed) > 0,
            "the metrics were flushed"
        );
    });

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("metrics");
    group.bench_function("empty-handler", |b| {
        b.to_async(&runtime)
            .iter(|| service.clone().oneshot(event(2, false)));
    });
    group.bench_function("ten-metrics", |b| {
        b.to_async(&runtime)
            .iter(|| service.clone().oneshot(event(3, true)));
    });
    group.finish();
    criterion.final_summary();

    let round = |metrics: bool| {
        runtime.block_on(async {
            let started = Instant::now();
            for n in 0..PER_ROUND {
                let answer = service.clone().oneshot(event(u64::from(n), metrics)).await;
                black_box(answer.unwrap());
            }
            started.elapsed()
        })
    };
    let paired = updraft_testkit::paired(ROUNDS, || round(true), || round(false));
    let per_invocation = |round: Duration| round.as_secs_f64() * 1e9 / f64::from(PER_ROUND);
    let (with, without) = (per_invocation(paired.first), per_invocation(paired.second));
    let ratio = paired.ratio;
    println!(
        "paired rounds, median per invocation: 10 metrics {with:.0} ns, empty handler {without:.0} ns; ratio {ratio:.3}"
    );
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/metrics"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("overhead-ratio"), format!("{ratio}\n")).unwrap();
    std::fs::write(directory.join("added-ns"), format!("{}\n", with - without)).unwrap();
}
