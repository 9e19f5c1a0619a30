//! `RATIO invoke-overhead`: one synchronous invocation through [`LambdaInvoker::invoke`] ÷ the
//! same call made with a bare `aws-sdk-lambda` client, in the same run, against the same local
//! HTTP server that answers every Invoke with a canned envelope.
//!
//! Both sides do the same work: write `{"session", "data"}` with the current session, send it,
//! and read the reply's `data` into the same struct. What the ratio shows is what the invoker
//! adds: the function-name check, the size check, the typed errors.
//!
//! Criterion gives each side's time. The ratio comes from paired rounds, as the other benches
//! do: a batch of one side, then of the other, alternating which goes first; the median of
//! the per-round ratios is written to `target/criterion/invoke/overhead-ratio`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports what it measures"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use criterion::Criterion;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use updraft_core::envelope::Envelope;
use updraft_core::{Env, Session};
use updraft_invoke::LambdaInvoker;

const ROUNDS: usize = 41;
const PER_ROUND: u32 = 200;

#[derive(Serialize)]
struct Numbers {
    a: i64,
    b: i64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Sum {
    sum: i64,
}

const REPLY: &str = r#"{"success": true, "data": {"sum": 42}}"#;

/// An HTTP/1.1 server with keep-alive that answers every request with [`REPLY`].
async fn canned_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if read.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-amz-executed-version: $LATEST\r\ncontent-length: {}\r\n\r\n{REPLY}",
                        REPLY.len()
                    );
                    if write.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

/// The bare SDK call, doing what `invoke` does by hand.
async fn bare(client: &aws_sdk_lambda::Client, input: &Numbers) -> Sum {
    #[derive(Serialize)]
    struct Outgoing<'a> {
        session: Option<Session>,
        data: &'a Numbers,
    }
    let payload = serde_json::to_vec(&Outgoing {
        session: Session::current(),
        data: input,
    })
    .unwrap();
    let output = client
        .invoke()
        .function_name("sum")
        .payload(Blob::new(payload))
        .send()
        .await
        .unwrap();
    let reply: Envelope = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    serde_json::from_value(reply.into_result().unwrap()).unwrap()
}

fn paired(
    runtime: &tokio::runtime::Runtime,
    invoker: &LambdaInvoker,
    client: &aws_sdk_lambda::Client,
) -> f64 {
    let input = Numbers { a: 2, b: 40 };
    let ours = || {
        runtime.block_on(Session::with_state("ohio").scope(async {
            let started = Instant::now();
            for _ in 0..PER_ROUND {
                let sum: Sum = invoker.invoke("sum", black_box(&input)).await.unwrap();
                black_box(sum);
            }
            started.elapsed()
        }))
    };
    let theirs = || {
        runtime.block_on(Session::with_state("ohio").scope(async {
            let started = Instant::now();
            for _ in 0..PER_ROUND {
                black_box(bare(client, black_box(&input)).await);
            }
            started.elapsed()
        }))
    };
    let paired = updraft_testkit::paired(ROUNDS, ours, theirs);
    let per_call = |round: Duration| round.as_secs_f64() * 1e6 / f64::from(PER_ROUND);
    println!(
        "paired rounds, median per call: updraft {:.1} µs, bare aws-sdk-lambda {:.1} µs",
        per_call(paired.first),
        per_call(paired.second)
    );
    paired.ratio
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (invoker, client) = runtime.block_on(async {
        let url = canned_server().await;
        let config = updraft_core::aws::ConfigLoader::new()
            .env(Env::from_pairs([
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "bench"),
                ("AWS_SECRET_ACCESS_KEY", "bench"),
            ]))
            .endpoint_url(url)
            .load()
            .await
            .unwrap();
        (
            LambdaInvoker::new(&config),
            aws_sdk_lambda::Client::new(&config),
        )
    });
    let input = Numbers { a: 2, b: 40 };
    runtime.block_on(Session::with_state("ohio").scope(async {
        let ours: Sum = invoker.invoke("sum", &input).await.unwrap();
        assert_eq!(
            ours,
            bare(&client, &input).await,
            "both sides read the same reply"
        );
    }));

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("invoke");
    group.bench_function("invoke-bare-sdk", |b| {
        b.to_async(&runtime).iter(|| {
            Session::with_state("ohio").scope(async { bare(&client, black_box(&input)).await })
        });
    });
    group.bench_function("invoke-updraft", |b| {
        b.to_async(&runtime).iter(|| {
            Session::with_state("ohio").scope(async {
                let sum: Sum = invoker.invoke("sum", black_box(&input)).await.unwrap();
                sum
            })
        });
    });
    group.finish();
    criterion.final_summary();

    let ratio = paired(&runtime, &invoker, &client);
    println!("paired invoke overhead ratio (median of {ROUNDS} rounds of {PER_ROUND}): {ratio:.3}");
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("criterion/invoke"))
        .unwrap();
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::write(directory.join("overhead-ratio"), format!("{ratio}\n")).unwrap();
}
