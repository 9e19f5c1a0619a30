//! `RATIO dispatch`: one API Gateway v2 event, deserialized (as `HttpEvent`, what the runtime
//! decodes, against `lambda_http`'s `LambdaRequest`), routed, answered and serialized,
//! through the Updraft HTTP context and through a bare `lambda_http` adapter over the same
//! axum router, in process, in one run.
//!
//! `RATIO dispatch-logged`: the same with request logs on, both sides writing JSON lines to a
//! sink through `tracing-subscriber`: Updraft with its own request span and access line, the
//! peer with a plain `tracing-subscriber` JSON layer and a middleware that opens a span with
//! the same fields (`request_id`, `apigw_request_id`, `xray_trace_id`, `cold_start`, `source`)
//! and logs the same access line (method, route, path, status, latency).
//!
//! Criterion gives each side's time. The ratios come from paired rounds: a batch of one side
//! right after a batch of the other, in alternating order, so that load drifting on a shared
//! machine falls on both; each is the median of the per-round ratios, written to
//! `target/criterion/dispatch/paired-ratio` and `paired-ratio-logged`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use criterion::Criterion;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, RequestExt, Service};
use tower::ServiceExt;
use tracing::Instrument;
use updraft::contexts::http::{App, HttpEvent, LambdaService};
use updraft::core::Env;

/// Rounds of the paired measurement, and invocations per side per round.
const ROUNDS: usize = 101;
const BATCH: usize = 300;

type Bare = Adapter<'static, axum::response::Response, axum::Router>;

/// The event as each side's runtime decodes it: `HttpEvent` (every source, VPC Lattice v1
/// too) for Updraft, `LambdaRequest` for `lambda_http`.
fn event<T: serde::de::DeserializeOwned>() -> LambdaEvent<T> {
    let payload = serde_json::from_str(bench_contexts::HTTP_API_EVENT).unwrap();
    let mut context = Context::default();
    context.request_id = "bench".into();
    context.xray_trace_id = Some("Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e".into());
    LambdaEvent::new(payload, context)
}

async fn through_updraft(service: &LambdaService) -> Vec<u8> {
    let response = service.clone().oneshot(event::<HttpEvent>()).await.unwrap();
    serde_json::to_vec(&response).unwrap()
}

async fn through_lambda_http(service: &Bare) -> Vec<u8> {
    let response = service
        .clone()
        .call(event::<LambdaRequest>())
        .await
        .unwrap();
    serde_json::to_vec(&response).unwrap()
}

/// The peer's request logging: a span with the fields Updraft's has, and one access line.
async fn logged(request: Request, next: Next) -> Response {
    let context = request.lambda_context_ref();
    let request_context = request.request_context_ref();
    let span = tracing::info_span!(
        "request",
        request_id = context.map(|c| c.request_id.as_str()),
        apigw_request_id = request_context.and_then(|c| match c {
            lambda_http::request::RequestContext::ApiGatewayV2(c) => c.request_id.as_deref(),
            _ => None,
        }),
        xray_trace_id = context.and_then(|c| c.xray_trace_id.as_deref()),
        cold_start = false,
        source = "http-api",
    );
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    async move {
        let started = Instant::now();
        let response = next.run(request).await;
        tracing::info!(
            target: "updraft::access",
            method = %method,
            route = route.as_deref().unwrap_or("-"),
            path = %path,
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        response
    }
    .instrument(span)
    .await
}

fn services() -> (LambdaService, Bare, Bare) {
    let updraft = App::new(bench_contexts::hello_router())
        .env(Env::default())
        .into_lambda_service()
        .unwrap();
    let logged_router = bench_contexts::hello_router().route_layer(middleware::from_fn(logged));
    (
        updraft,
        Adapter::from(bench_contexts::hello_router()),
        Adapter::from(logged_router),
    )
}

/// The JSON subscriber both logged sides write through: Updraft's settings for Lambda, a sink.
fn json_logs() -> tracing::subscriber::DefaultGuard {
    let settings = updraft::contexts::logging::Settings::from_env(&Env::from_pairs([(
        "AWS_LAMBDA_RUNTIME_API",
        "127.0.0.1:9001",
    )]))
    .unwrap();
    tracing::subscriber::set_default(updraft::contexts::logging::subscriber(
        &settings,
        std::io::sink,
        false,
    ))
}

fn criterion_figures(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let (updraft, bare, bare_logged) = services();
    let mut group = c.benchmark_group("dispatch");
    group.bench_function("updraft", |b| {
        b.to_async(runtime).iter(|| through_updraft(&updraft));
    });
    group.bench_function("lambda_http", |b| {
        b.to_async(runtime).iter(|| through_lambda_http(&bare));
    });
    let guard = json_logs();
    group.bench_function("updraft_json_logs", |b| {
        b.to_async(runtime).iter(|| through_updraft(&updraft));
    });
    group.bench_function("lambda_http_json_logs", |b| {
        b.to_async(runtime)
            .iter(|| through_lambda_http(&bare_logged));
    });
    drop(guard);
    group.finish();
}

/// The median of per-round ratios of `a` ÷ `b`, each timed over a batch, in alternating order.
fn paired(mut a: impl FnMut() -> Duration, mut b: impl FnMut() -> Duration) -> f64 {
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (x, y): (Duration, Duration) = if round % 2 == 0 {
                let x = a();
                (x, b())
            } else {
                let y = b();
                (a(), y)
            };
            x.as_secs_f64() / y.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn timed<F: Future>(runtime: &tokio::runtime::Runtime, mut once: impl FnMut() -> F) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..BATCH {
            std::hint::black_box(once().await);
        }
        started.elapsed()
    })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    criterion_figures(&mut criterion, &runtime);
    criterion.final_summary();
    let (updraft, bare, bare_logged) = services();
    let plain = paired(
        || timed(&runtime, || through_updraft(&updraft)),
        || timed(&runtime, || through_lambda_http(&bare)),
    );
    let guard = json_logs();
    let logged = paired(
        || timed(&runtime, || through_updraft(&updraft)),
        || timed(&runtime, || through_lambda_http(&bare_logged)),
    );
    drop(guard);
    println!("paired dispatch ratio (median of {ROUNDS} rounds of {BATCH}): {plain:.3}");
    println!("the same with JSON request logs on both sides: {logged:.3}");
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/dispatch"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("paired-ratio"), format!("{plain}\n")).unwrap();
    std::fs::write(directory.join("paired-ratio-logged"), format!("{logged}\n")).unwrap();
}
