//! `cargo xtask bench`: the performance figures the issues ask for, as ratios against their
//! peers measured in the same run. One line per figure: `RATIO <name> <value>`.
//!
//! - `dispatch`: criterion, the same API Gateway v2 event through the Updraft HTTP context and
//!   through a bare `lambda_http` adapter over the same axum router (paired rounds).
//! - `dispatch-logged`: the same with JSON request logs on both sides: Updraft's request span
//!   and access line ÷ `lambda_http` with a middleware logging the same fields through a plain
//!   `tracing-subscriber` JSON layer (paired rounds).
//! - `init`: from spawning the process to its first `GET /2018-06-01/runtime/invocation/next`
//!   on a listener this harness owns; `example-http-api` ÷ a bare `lambda_http` hello, medians
//!   of alternated starts.
//! - `binary-size`: the release binary of `example-http-api` as Lambda runs it (only the
//!   `contexts` feature, without `contexts-local`) ÷ the bare `lambda_http` + axum hello, both
//!   stripped.
//! - `sqs-batch`, `sqs-dispatch`: the SQS context's batch wall time and per-record cost
//!   (`benches/contexts`).
//! - `openapi-validation`: a `POST` with a JSON body through the HTTP context on a router built
//!   from an OpenAPI spec (parameters, content type and body checked) ÷ the same handlers on a
//!   plain router, through the whole Lambda service (paired rounds); with
//!   `NS openapi-validation-post-added` and `NS openapi-validation-get-added` (a `GET` with
//!   path and query parameters only), the added time per request (`benches/contexts`).
//! - `dynamo-encode`, `dynamo-decode`: a representative item (30 attributes: nested maps,
//!   lists, sets, numbers) to and from the SDK's attribute map, `#[derive(Model)]` ÷
//!   `serde_dynamo`, from paired rounds (`benches/dynamo`).
//!
//! - `invoke-overhead`: one synchronous invocation through `LambdaInvoker::invoke` ÷ the same
//!   call with a bare `aws-sdk-lambda` client doing the same encoding and decoding, against a
//!   local server with a canned reply (`crates/invoke/benches/overhead.rs`, paired rounds).
//! - `metrics-overhead`: an invocation through the invoke context whose handler records 10
//!   metrics ÷ one that records none, documents rendered and flushed to a sink; with
//!   `NS metrics-10-added`, the difference of the medians (`crates/metrics/benches/overhead.rs`,
//!   paired rounds).
//!
//! Counts print as `COUNT <name> <value>`, from small programs run against the local servers
//! (started for them after the timings, so the servers do not disturb those):
//! - `sqs-send-batch-25`, `sns-publish-batch-25`: the SendMessageBatch and PublishBatch calls
//!   25 small messages take (`benches/messaging`);
//! - `secrets-1000-reads`: provider calls for 1000 cached reads of one key;
//!   `secrets-25-names`: GetParameters calls for `get_many` of 25 names (`benches/secrets`);
//! - `batch-write-1000`: the `BatchWriteItem` calls 1000 items take on DynamoDB Local
//!   (`benches/dynamo`).
//!
//! Against DynamoDB Local too, `benches/idempotency` prints `RATIO idempotency-first-call` (an
//! idempotent first call ÷ the bare handler, which writes one item; paired rounds),
//! `NS idempotency-added` (the added time per first call: claim and complete), and
//! `NS idempotency-replay` / `NS idempotency-replay-cached` (a repeat, from the table and from
//! the in-memory cache).
//!
//! Against SecantusDB, `benches/mongo` prints `RATIO mongo-proxy` (a whole model-query proxy
//! invocation ÷ the bare driver `find` it makes, 20 documents; paired rounds),
//! `NS mongo-proxy-added`, and the proxy's own work timed apart from the server:
//! `NS mongo-proxy-checks` (every check and the envelope, no I/O) and `NS mongo-json-20`.
//!
//! Times print as `NS <name> <value>` (criterion medians): `secrets-cache-hit`, a cached secret
//! read (`benches/secrets`); `rds-token`, signing one RDS IAM token
//! (`crates/rds-iam-auth/benches/token.rs`).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::run;
use crate::servers::Layout;
use crate::{Result, fail};
use figures::{
    criterion_bench, dynamo_codec, invoke_overhead, median, metrics_overhead, openapi_validation,
    rds_token, secrets_cache_hit,
};

mod figures;

/// How many starts of each binary the init figure takes the median of.
const INIT_STARTS: usize = 61;

/// Runs every benchmark and prints the ratios.
pub fn run_all(layout: &Layout) -> Result<()> {
    let dispatch = dispatch(layout)?;
    let sqs = sqs(layout)?;
    let target = layout
        .servers
        .parent()
        .map_or_else(|| layout.root.join("target"), Path::to_path_buf);
    build_release(layout)?;
    let updraft = target.join("release/http-api");
    let bare = target.join("release/bare-hello");
    let (updraft_init, bare_init, init_ratio) = init(&updraft, &bare)?;
    let (updraft_size, bare_size) = (size(&updraft)?, size(&bare)?);

    eprintln!(
        "dispatch: updraft {:.2} µs, lambda_http {:.2} µs (criterion medians); ratio from paired rounds",
        dispatch.updraft / 1000.0,
        dispatch.bare / 1000.0
    );
    eprintln!(
        "init: example-http-api {:.2} ms, bare lambda_http {:.2} ms (medians of {INIT_STARTS} alternated starts; ratio: median of the pairs)",
        updraft_init.as_secs_f64() * 1000.0,
        bare_init.as_secs_f64() * 1000.0
    );
    eprintln!(
        "binary-size: example-http-api {updraft_size} bytes, bare lambda_http {bare_size} bytes (stripped release)"
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("RATIO dispatch {:.3}", dispatch.ratio);
        println!("RATIO dispatch-logged {:.3}", dispatch.logged);
        println!("RATIO init {init_ratio:.3}");
        #[allow(
            clippy::cast_precision_loss,
            reason = "binary sizes are far below 2^52"
        )]
        let size_ratio = updraft_size as f64 / bare_size as f64;
        println!("RATIO binary-size {size_ratio:.3}");
        println!("RATIO sqs-batch {:.3}", sqs.batch);
        println!("RATIO sqs-dispatch {:.3}", sqs.dispatch);
    }
    eprintln!(
        "sqs-dispatch from the event JSON, as an invocation starts (not the ratio): {:.3}",
        sqs.from_json
    );
    openapi_validation(layout)?;
    dynamo_codec(layout)?;
    invoke_overhead(layout)?;
    metrics_overhead(layout)?;
    secrets_cache_hit(layout)?;
    rds_token(layout)?;
    counts(layout)
}

/// The programs that count calls against the local servers: (package, binary).
const COUNTERS: [(&str, &str); 5] = [
    ("bench-messaging", "count-calls"),
    ("bench-secrets", "count-secrets"),
    ("bench-dynamo", "count-dynamo"),
    ("bench-idempotency", "idempotency-latency"),
    ("bench-mongo", "mongo-proxy-latency"),
];

/// Runs each counting program against the local servers and passes its `COUNT`, `NS` and
/// `RATIO` lines on.
fn counts(layout: &Layout) -> Result<()> {
    let servers = crate::servers::Guard::acquire(layout)?;
    for (package, binary) in COUNTERS {
        let output = Command::new(env!("CARGO"))
            .current_dir(&layout.root)
            .args(["run", "--quiet", "-p", package, "--bin", binary])
            .envs(servers.vars.iter().map(|(k, v)| (k, v)))
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            return Err(fail(format!("{binary} exited with {}", output.status)));
        }
        #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
        for line in String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| ["COUNT ", "NS ", "RATIO "].iter().any(|p| l.starts_with(p)))
        {
            println!("{line}");
        }
    }
    drop(servers);
    Ok(())
}

/// The SQS figures.
struct SqsFigures {
    batch: f64,
    dispatch: f64,
    from_json: f64,
}

fn sqs(layout: &Layout) -> Result<SqsFigures> {
    let directory = criterion_bench(layout, "bench-contexts", "sqs")?.join("sqs");
    let read = |name: &str| -> Result<f64> {
        std::fs::read_to_string(directory.join(name))?
            .trim()
            .parse()
            .map_err(|_| fail(format!("the sqs bench wrote no {name}")))
    };
    Ok(SqsFigures {
        batch: read("batch-ratio")?,
        dispatch: read("paired-ratio")?,
        from_json: read("from-json-ratio")?,
    })
}

/// Runs the criterion bench; returns the medians (ns) of Updraft and of `lambda_http`, and the
/// ratio of their paired rounds.
fn dispatch(layout: &Layout) -> Result<Dispatch> {
    let criterion = criterion_bench(layout, "bench-contexts", "dispatch")?.join("dispatch");
    let read = |name: &str| -> Result<f64> {
        std::fs::read_to_string(criterion.join(name))?
            .trim()
            .parse()
            .map_err(|_| fail(format!("the dispatch bench wrote no {name}")))
    };
    if let (Ok(updraft), Ok(peer)) = (
        median(&criterion.join("updraft_json_logs")),
        median(&criterion.join("lambda_http_json_logs")),
    ) {
        eprintln!(
            "dispatch with JSON request logs to a sink: updraft {:.2} µs, lambda_http with a tracing-subscriber JSON layer {:.2} µs (criterion medians)",
            updraft / 1000.0,
            peer / 1000.0
        );
    }
    Ok(Dispatch {
        updraft: median(&criterion.join("updraft"))?,
        bare: median(&criterion.join("lambda_http"))?,
        ratio: read("paired-ratio")?,
        logged: read("paired-ratio-logged")?,
    })
}

/// The dispatch figures: criterion medians in ns, and the paired ratios.
struct Dispatch {
    updraft: f64,
    bare: f64,
    ratio: f64,
    logged: f64,
}

fn build_release(layout: &Layout) -> Result<()> {
    eprintln!("xtask: building the release binaries of example-http-api and bare-hello");
    run(Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args([
            "build",
            "--release",
            "--no-default-features",
            "-p",
            "example-http-api",
            "--bin",
            "http-api",
        ])
        .args(["-p", "bench-contexts", "--bin", "bare-hello"]))?;
    Ok(())
}

fn size(binary: &Path) -> Result<u64> {
    Ok(std::fs::metadata(binary)
        .map_err(|e| fail(format!("{}: {e}", binary.display())))?
        .len())
}

/// Medians of alternated starts of `a` and `b`, and the median ratio of adjacent pairs.
fn init(a: &Path, b: &Path) -> Result<(Duration, Duration, f64)> {
    let scratch = std::env::temp_dir().join(format!("updraft-init-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let (mut a_times, mut b_times) = (Vec::new(), Vec::new());
    // One unmeasured start of each warms the page cache.
    start_to_first_poll(a, &scratch)?;
    start_to_first_poll(b, &scratch)?;
    let mut ratios = Vec::new();
    for round in 0..INIT_STARTS {
        let (a_time, b_time) = if round % 2 == 0 {
            let a_time = start_to_first_poll(a, &scratch)?;
            (a_time, start_to_first_poll(b, &scratch)?)
        } else {
            let b_time = start_to_first_poll(b, &scratch)?;
            (start_to_first_poll(a, &scratch)?, b_time)
        };
        ratios.push(a_time.as_secs_f64() / b_time.as_secs_f64());
        a_times.push(a_time);
        b_times.push(b_time);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    ratios.sort_by(f64::total_cmp);
    Ok((
        median_of(&mut a_times),
        median_of(&mut b_times),
        ratios[ratios.len() / 2],
    ))
}

fn median_of(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Spawns `binary` as a Lambda function against a listener owned here, and times how long it
/// takes to ask for its first invocation.
fn start_to_first_poll(binary: &Path, cwd: &Path) -> Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let api = listener.local_addr()?.to_string();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .current_dir(cwd)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot start {}: {e}", binary.display())))?;
    let polled = wait_for_poll(&listener);
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    polled.map(|()| elapsed)
}

fn wait_for_poll(listener: &TcpListener) -> Result<()> {
    let mut poll = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    #[allow(unsafe_code, reason = "poll(2) waits for the accept without spinning")]
    // SAFETY: one valid pollfd for a socket this function borrows, for the call's duration.
    let ready = unsafe { libc::poll(&raw mut poll, 1, 10_000) };
    if ready != 1 {
        return Err(fail(
            "the function did not call the runtime API within 10 s",
        ));
    }
    let (stream, _) = listener.accept()?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    if line.starts_with("GET /2018-06-01/runtime/invocation/next") {
        Ok(())
    } else {
        Err(fail(format!(
            "the first request was not a poll for the next invocation: {line:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_durations() {
        let mut times = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median_of(&mut times), Duration::from_millis(2));
    }
}
