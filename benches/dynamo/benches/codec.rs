//! `RATIO dynamo-encode` and `RATIO dynamo-decode`: converting the representative item to and
//! from the SDK's `HashMap<String, AttributeValue>` with `#[derive(Model)]`, ÷ with
//! `serde_dynamo`, in the same run.
//!
//! Criterion gives each side's time. The ratios come from paired rounds, as the other benches
//! here do: a batch of one side, then of the other, alternating which goes first; the median
//! of the per-round ratios is written to `target/criterion/dynamo/{encode,decode}-ratio`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bench_dynamo::{Order, order};
use criterion::Criterion;
use updraft::dynamo::Model;
use updraft::dynamo::aws_sdk_dynamodb::types::AttributeValue;

const ROUNDS: usize = 101;
const PER_ROUND: usize = 2_000;

type Item = HashMap<String, AttributeValue>;

fn encode_updraft(order: &Order) -> Item {
    order.to_item().unwrap()
}

fn encode_serde(order: &Order) -> Item {
    serde_dynamo::to_item(order).unwrap()
}

fn decode_updraft(item: Item) -> Order {
    Order::from_item(item).unwrap()
}

fn decode_serde(item: Item) -> Order {
    serde_dynamo::from_item(item).unwrap()
}

fn paired(mut a: impl FnMut() -> Duration, mut b: impl FnMut() -> Duration) -> f64 {
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (ta, tb) = if round % 2 == 0 {
                let ta = a();
                (ta, b())
            } else {
                let tb = b();
                (a(), tb)
            };
            ta.as_secs_f64() / tb.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn timed(mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..PER_ROUND {
        f();
    }
    started.elapsed()
}

fn main() {
    let order = order();
    let item = encode_updraft(&order);
    assert_eq!(
        item,
        encode_serde(&order),
        "both codecs write the same attributes"
    );
    assert_eq!(decode_serde(item.clone()), order);
    assert_eq!(decode_updraft(item.clone()), order);
    assert!(item.len() >= 30, "{} attributes", item.len());

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("dynamo");
    group.bench_function("encode-updraft", |b| {
        b.iter(|| encode_updraft(black_box(&order)));
    });
    group.bench_function("encode-serde_dynamo", |b| {
        b.iter(|| encode_serde(black_box(&order)));
    });
    group.bench_function("decode-updraft", |b| {
        b.iter_batched(
            || item.clone(),
            decode_updraft,
            criterion::BatchSize::SmallInput,
        );
    });
    group.bench_function("decode-serde_dynamo", |b| {
        b.iter_batched(
            || item.clone(),
            decode_serde,
            criterion::BatchSize::SmallInput,
        );
    });
    group.finish();
    criterion.final_summary();

    let encode = paired(
        || timed(|| drop(black_box(encode_updraft(black_box(&order))))),
        || timed(|| drop(black_box(encode_serde(black_box(&order))))),
    );
    // Decoding consumes its input: both sides clone the same item first, so the clone's cost
    // is in both and the ratio understates the difference slightly.
    let decode = paired(
        || timed(|| drop(black_box(decode_updraft(black_box(item.clone()))))),
        || timed(|| drop(black_box(decode_serde(black_box(item.clone()))))),
    );
    println!("paired encode ratio (median of {ROUNDS} rounds of {PER_ROUND}): {encode:.3}");
    println!("paired decode ratio (median of {ROUNDS} rounds of {PER_ROUND}): {decode:.3}");
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/dynamo"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("encode-ratio"), format!("{encode}\n")).unwrap();
    std::fs::write(directory.join("decode-ratio"), format!("{decode}\n")).unwrap();
}
