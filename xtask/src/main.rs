//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

use xtask::servers::{self, Layout};
use xtask::{Result, bench, demo, deploy, fail, features, fuzz, openapi, process, test, tutorial};

const USAGE: &str = "\
cargo xtask <command>

  test                     run everything CI runs: fmt, the tests against real local servers,
                           clippy, docs, the feature table and feature-isolation checks
  lambda-build             cfn-lint examples/orders-service's SAM template, then cargo lambda
                           build of every function it names (CI runs it after `test`)
  demo                     start the servers and run examples/quickstart against them
  bench                    measure the performance ratios (RATIO <name> <value> lines)
  fuzz [--cases N]         every fuzz target (tests named fuzz_...) with N cases each
                           (default 1,000,000), optimized with overflow checks
  servers start|stop|status
                           manage the local servers (DynamoDB Local, moto, SecantusDB, PostgreSQL)
  features [--check]       regenerate (or check) the facade's feature table
  tutorial                 compile each tutorial page's example under exactly its features
  openapi                  write each HTTP example's OpenAPI document to examples/<name>/openapi.json
                           (`test` fails when a checked-in one is stale)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let layout = Layout::discover();
    let result = match args.as_slice() {
        ["test"] => run_test(&layout),
        ["demo"] => demo::run(&layout),
        ["lambda-build"] => deploy::lint(&layout)
            .and_then(|()| deploy::build(&layout))
            .map(|report| {
                for line in report {
                    eprintln!("xtask: {line}");
                }
            }),
        ["bench"] => bench::run_all(&layout),
        ["fuzz", rest @ ..] => fuzz::cases(rest).and_then(|cases| fuzz::run(&layout.root, cases)),
        ["servers", "start"] => servers::start(&layout).map(|_| {
            eprintln!("xtask: env file: {}", layout.env_file().display());
        }),
        ["servers", "stop"] => servers::stop(&layout).map(|()| eprintln!("xtask: servers stopped")),
        ["servers", "status"] => servers::status(&layout),
        ["features"] => features::run(&layout.root, false),
        ["features", "--check"] => features::run(&layout.root, true),
        ["tutorial"] => tutorial::check(&layout.root).map(|report| {
            for line in report {
                eprintln!("xtask: {line}");
            }
        }),
        ["openapi"] => openapi::write(&layout.root).map(|written| {
            for file in written {
                eprintln!("xtask: wrote {file}");
            }
        }),
        [] | ["help" | "--help" | "-h"] => {
            eprint!("{USAGE}");
            Ok(())
        }
        other => Err(fail(format!(
            "unknown command `{}`\n\n{USAGE}",
            other.join(" ")
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            if process::was_interrupted() {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run_test(layout: &Layout) -> Result<()> {
    let tally = test::run(layout)?;
    if !tally.failures.is_empty() {
        eprintln!("xtask: failed: {}", tally.failures.join(", "));
    }
    eprintln!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 {
        Ok(())
    } else {
        Err(fail("the suite failed"))
    }
}
