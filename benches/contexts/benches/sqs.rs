//! `RATIO sqs-dispatch`: the per-record cost of the Updraft SQS consumer ÷ the handler a raw
//! `lambda_runtime` function would have (a loop over `aws_lambda_events` records calling the
//! same handler and answering the same `SqsBatchResponse`), in process, from paired interleaved
//! rounds (as the dispatch bench does).
//!
//! `RATIO sqs-batch`: the wall time of a batch of 10 standard records whose handler sleeps
//! 20 ms each, ÷ 20 ms (a sequential loop would take about 10).
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::time::{Duration, Instant};

use criterion::Criterion;
use serde::Deserialize;
use updraft::contexts::aws_lambda_events::event::sqs::{
    BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage,
};
use updraft::contexts::sqs::{self, Processor, Record};

const RECORDS: usize = 10;
const ROUNDS: usize = 101;
const BATCHES_PER_ROUND: usize = 200;

#[derive(Deserialize)]
struct Job {
    id: String,
    fail: bool,
}

/// The handler both sides call.
#[allow(clippy::unused_async, reason = "the handler both sides await")]
async fn work(job: &Job) -> Result<(), String> {
    if job.fail {
        Err(format!("job {} failed", job.id))
    } else {
        Ok(())
    }
}

fn event() -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = (0..RECORDS)
        .map(|i| {
            let mut message = SqsMessage::default();
            message.message_id = Some(format!("059f36b4-87a3-44ab-83d2-66197583{i:04}"));
            message.body = Some(format!(r#"{{"id": "job-{i}", "fail": {}}}"#, i == 7));
            message
                .attributes
                .insert("ApproximateReceiveCount".into(), "1".into());
            message.event_source = Some("aws:sqs".into());
            message.event_source_arn = Some("arn:aws:sqs:us-east-2:123456789012:my-queue".into());
            message
        })
        .collect();
    event
}

/// The hand-written handler a raw `lambda_runtime` function has: decode each body, call the
/// handler, and answer the partial batch response with the failed ids.
async fn hand_loop(event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        let failed = match record.body.as_deref().map(serde_json::from_str::<Job>) {
            Some(Ok(job)) => work(&job).await.is_err(),
            _ => true,
        };
        if failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// Where each batch starts: records already in memory (the strict figure), or the event's
/// JSON, as a Lambda invocation starts.
#[derive(Clone, Copy)]
enum Start {
    Records,
    Json,
}

fn paired_ratio(runtime: &tokio::runtime::Runtime, start: Start) -> f64 {
    let consumer = sqs::consumer(|record: Record<Job>| async move { work(&record.body).await });
    let template = event();
    let json = serde_json::to_vec(&template).unwrap();
    let input = || match start {
        Start::Records => template.clone(),
        Start::Json => serde_json::from_slice::<SqsEvent>(&json).unwrap(),
    };
    let updraft = || {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..BATCHES_PER_ROUND {
                std::hint::black_box(consumer.process(input()).await);
            }
            started.elapsed()
        })
    };
    let by_hand = || {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..BATCHES_PER_ROUND {
                std::hint::black_box(hand_loop(input()).await);
            }
            started.elapsed()
        })
    };
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (a, b): (Duration, Duration) = if round % 2 == 0 {
                let a = updraft();
                (a, by_hand())
            } else {
                let b = by_hand();
                (updraft(), b)
            };
            a.as_secs_f64() / b.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn batch_ratio(runtime: &tokio::runtime::Runtime) -> f64 {
    let consumer = sqs::consumer(|_: Record<Job>| async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<(), String>(())
    });
    let mut walls: Vec<f64> = (0..21)
        .map(|_| {
            let event = event();
            runtime.block_on(async {
                let started = Instant::now();
                consumer.process(event).await;
                started.elapsed().as_secs_f64()
            })
        })
        .collect();
    walls.sort_by(f64::total_cmp);
    walls[walls.len() / 2] / 0.020
}

fn criterion_figures(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let consumer = sqs::consumer(|record: Record<Job>| async move { work(&record.body).await });
    let template = event();
    let mut group = c.benchmark_group("sqs");
    group.bench_function("updraft", |b| {
        b.to_async(runtime)
            .iter(|| consumer.process(template.clone()));
    });
    group.bench_function("hand_loop", |b| {
        b.to_async(runtime).iter(|| hand_loop(template.clone()));
    });
    group.finish();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    criterion_figures(&mut criterion, &runtime);
    criterion.final_summary();
    let dispatch = paired_ratio(&runtime, Start::Records);
    let from_json = paired_ratio(&runtime, Start::Json);
    let batch = batch_ratio(&runtime);
    println!(
        "paired sqs dispatch ratio (median of {ROUNDS} rounds of {BATCHES_PER_ROUND} batches of {RECORDS}): {dispatch:.3}"
    );
    println!(
        "the same, each batch starting from the event JSON as an invocation does: {from_json:.3}"
    );
    println!("sqs batch of {RECORDS} x 20 ms handlers: {batch:.3} x 20 ms (median of 21)");
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/sqs"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("paired-ratio"), format!("{dispatch}\n")).unwrap();
    std::fs::write(directory.join("batch-ratio"), format!("{batch}\n")).unwrap();
    std::fs::write(directory.join("from-json-ratio"), format!("{from_json}\n")).unwrap();
}
