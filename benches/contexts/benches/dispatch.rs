//! `RATIO dispatch`: one API Gateway v2 event, deserialized, routed, answered and serialized,
//! through the Updraft HTTP context and through a bare `lambda_http` adapter over the same
//! axum router, in process, in one run.
//!
//! Criterion gives each side's time. The ratio comes from paired rounds: a batch of one side
//! right after a batch of the other, in alternating order, so that load drifting on a shared
//! machine falls on both; it is the median of the per-round ratios, written to
//! `target/criterion/dispatch/paired-ratio`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::time::{Duration, Instant};

use criterion::Criterion;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use tower::ServiceExt;
use updraft::contexts::http::{App, LambdaService};
use updraft::core::Env;

/// Rounds of the paired measurement, and invocations per side per round.
const ROUNDS: usize = 101;
const BATCH: usize = 300;

type Bare = Adapter<'static, axum::response::Response, axum::Router>;

fn event() -> LambdaEvent<LambdaRequest> {
    let payload = serde_json::from_str(bench_contexts::HTTP_API_EVENT).unwrap();
    let mut context = Context::default();
    context.request_id = "bench".into();
    LambdaEvent::new(payload, context)
}

async fn through_updraft(service: &LambdaService) -> Vec<u8> {
    let response = service.clone().oneshot(event()).await.unwrap();
    serde_json::to_vec(&response).unwrap()
}

async fn through_lambda_http(service: &Bare) -> Vec<u8> {
    let response = service.clone().call(event()).await.unwrap();
    serde_json::to_vec(&response).unwrap()
}

fn services() -> (LambdaService, Bare) {
    let updraft = App::new(bench_contexts::hello_router())
        .env(Env::default())
        .into_lambda_service()
        .unwrap();
    (updraft, Adapter::from(bench_contexts::hello_router()))
}

fn criterion_figures(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let (updraft, bare) = services();
    let mut group = c.benchmark_group("dispatch");
    group.bench_function("updraft", |b| {
        b.to_async(runtime).iter(|| through_updraft(&updraft));
    });
    group.bench_function("lambda_http", |b| {
        b.to_async(runtime).iter(|| through_lambda_http(&bare));
    });
    // Not in the ratio: Updraft with its JSON logs (request span, access line) sent to a sink.
    let settings = updraft::contexts::logging::Settings::from_env(&Env::from_pairs([(
        "AWS_LAMBDA_RUNTIME_API",
        "127.0.0.1:9001",
    )]))
    .unwrap();
    let guard = tracing::subscriber::set_default(updraft::contexts::logging::subscriber(
        &settings,
        std::io::sink,
        false,
    ));
    group.bench_function("updraft_json_logs", |b| {
        b.to_async(runtime).iter(|| through_updraft(&updraft));
    });
    drop(guard);
    group.finish();
}

fn paired_ratio(runtime: &tokio::runtime::Runtime) -> f64 {
    let (updraft, bare) = services();
    let time_updraft = || {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..BATCH {
                std::hint::black_box(through_updraft(&updraft).await);
            }
            started.elapsed()
        })
    };
    let time_bare = || {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..BATCH {
                std::hint::black_box(through_lambda_http(&bare).await);
            }
            started.elapsed()
        })
    };
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (a, b): (Duration, Duration) = if round % 2 == 0 {
                let a = time_updraft();
                (a, time_bare())
            } else {
                let b = time_bare();
                (time_updraft(), b)
            };
            a.as_secs_f64() / b.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    criterion_figures(&mut criterion, &runtime);
    criterion.final_summary();
    let ratio = paired_ratio(&runtime);
    println!("paired dispatch ratio (median of {ROUNDS} rounds of {BATCH}): {ratio:.3}");
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/dispatch"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("paired-ratio"), format!("{ratio}\n")).unwrap();
}
