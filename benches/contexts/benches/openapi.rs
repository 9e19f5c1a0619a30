//! `RATIO openapi-validation`: one API Gateway v2 invocation through the HTTP context whose
//! router was built from an OpenAPI spec (every request checked against it: path and query
//! parameters, content type, JSON body against its schema) ÷ the same handlers on a plain axum
//! router, no spec. Both go through the whole Lambda service (event decoded, routed, answered,
//! serialized), in process, in one run; response checks are off, as in a release build.
//!
//! Two requests: `POST /pets` with a JSON body (the body schema is the larger part of the
//! work), and `GET /pets/{petId}?verbose=true` (parameters only). The ratio is the POST's,
//! from paired interleaved rounds, as the dispatch bench takes its ratio; the added time per
//! request of each is written for `cargo xtask bench` too.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use criterion::Criterion;
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};
use tower::ServiceExt;
use updraft::contexts::http::openapi::OpenApi;
use updraft::contexts::http::testing::Event;
use updraft::contexts::http::{App, HttpEvent, LambdaService};
use updraft::core::Env;

const ROUNDS: usize = 101;
const BATCH: usize = 300;

/// The spec of the checked side.
const SPEC: &str = r"
openapi: 3.1.0
info: { title: pets, version: '1' }
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              additionalProperties: false
              properties:
                name: { type: string, minLength: 1, maxLength: 64 }
                tag: { type: string, maxLength: 32 }
                born: { type: string, format: date-time }
      responses:
        '201': { description: created }
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - { name: petId, in: path, required: true, schema: { type: integer, minimum: 1 } }
        - { name: verbose, in: query, schema: { type: boolean } }
      responses:
        '200': { description: a pet }
";

async fn create_pet(
    axum::Json(pet): axum::Json<Value>,
) -> (axum::http::StatusCode, axum::Json<Value>) {
    (axum::http::StatusCode::CREATED, axum::Json(pet))
}

async fn get_pet(Path(id): Path<u64>) -> axum::Json<Value> {
    axum::Json(json!({ "id": id, "name": "Rex" }))
}

fn services() -> (LambdaService, LambdaService) {
    let checked = OpenApi::from_text(SPEC)
        .unwrap()
        .routes()
        .operation("createPet", create_pet)
        .operation("getPet", get_pet)
        .validate_responses(false)
        .build()
        .unwrap();
    let plain = Router::new()
        .route("/pets", post(create_pet))
        .route("/pets/{petId}", get(get_pet));
    let serve = |router: Router| {
        App::new(router)
            .env(Env::default())
            .into_lambda_service()
            .unwrap()
    };
    (serve(checked), serve(plain))
}

fn events() -> (Vec<u8>, Vec<u8>) {
    let post = Event::http_api()
        .method("POST")
        .path("/pets")
        .json_body(&json!({ "name": "Rex", "tag": "dog", "born": "2024-05-01T10:00:00Z" }))
        .to_bytes();
    let get = Event::http_api()
        .method("GET")
        .path("/pets/7")
        .query("verbose=true")
        .body("")
        .to_bytes();
    (post, get)
}

async fn invoke(service: &LambdaService, event: &[u8]) -> Vec<u8> {
    let payload: HttpEvent = serde_json::from_slice(event).unwrap();
    let mut context = Context::default();
    context.request_id = "bench".into();
    let response = service
        .clone()
        .oneshot(LambdaEvent::new(payload, context))
        .await
        .unwrap();
    serde_json::to_vec(&response).unwrap()
}

fn timed(runtime: &tokio::runtime::Runtime, service: &LambdaService, event: &[u8]) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..BATCH {
            std::hint::black_box(invoke(service, event).await);
        }
        started.elapsed()
    })
}

/// The median of per-round ratios (checked ÷ plain), and the added time per request (the
/// difference of the median rounds).
fn paired(
    runtime: &tokio::runtime::Runtime,
    checked: &LambdaService,
    plain: &LambdaService,
    event: &[u8],
) -> (f64, f64) {
    let rounds = updraft::testing::paired(
        ROUNDS,
        || timed(runtime, checked, event),
        || timed(runtime, plain, event),
    );
    #[allow(
        clippy::cast_precision_loss,
        reason = "a batch is a few hundred requests"
    )]
    let added = (rounds.first.as_secs_f64() - rounds.second.as_secs_f64()) * 1e9 / BATCH as f64;
    (rounds.ratio, added)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (checked, plain) = services();
    let (post, get) = events();
    // Both sides answer both requests as they should before anything is timed.
    for (event, status) in [(&post, 201), (&get, 200)] {
        for service in [&checked, &plain] {
            let response: Value =
                serde_json::from_slice(&runtime.block_on(invoke(service, event))).unwrap();
            assert_eq!(response["statusCode"], status, "{response}");
        }
    }
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("openapi");
    for (name, service, event) in [
        ("post-checked", &checked, &post),
        ("post-plain", &plain, &post),
        ("get-checked", &checked, &get),
        ("get-plain", &plain, &get),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| invoke(service, event));
        });
    }
    group.finish();
    criterion.final_summary();
    let (post_ratio, post_added) = paired(&runtime, &checked, &plain, &post);
    let (get_ratio, get_added) = paired(&runtime, &checked, &plain, &get);
    println!(
        "paired openapi validation ratio, POST /pets with a JSON body (median of {ROUNDS} rounds of {BATCH}): {post_ratio:.3}, {post_added:.0} ns added per request"
    );
    println!(
        "the same for GET /pets/{{petId}}?verbose=true (parameters only): {get_ratio:.3}, {get_added:.0} ns added per request"
    );
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/openapi"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    for (name, value) in [
        ("post-ratio", post_ratio),
        ("post-added-ns", post_added),
        ("get-ratio", get_ratio),
        ("get-added-ns", get_added),
    ] {
        std::fs::write(directory.join(name), format!("{value}\n")).unwrap();
    }
}
