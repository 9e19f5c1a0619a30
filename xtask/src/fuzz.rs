//! `cargo xtask fuzz [--cases N]`: the long sweep of every fuzz target, too long for CI.
//!
//! The fuzz targets are the tests named `fuzz_…` (see `updraft_testkit::fuzz`): each
//! decoder of outside data fed mutated AWS events, headers, attributes and env files. The
//! suite runs them with 256 cases each; this runs them with `N` each (default 1,000,000),
//! together with the SQS batch property test, built with the `fuzz` profile: optimized, with
//! overflow checks and debug assertions on, so an arithmetic overflow is found, not wrapped.
//! None of them needs the local servers.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Result, fail};

/// The cases per target when `--cases` is not given.
pub const DEFAULT_CASES: u64 = 1_000_000;

/// Runs every fuzz target with `cases` cases; prints one `FUZZ <target> <cases> ok|FAILED`
/// line per target.
///
/// # Errors
///
/// When a target fails or cargo cannot run.
pub fn run(root: &Path, cases: u64) -> Result<()> {
    let started = Instant::now();
    eprintln!("xtask: fuzzing every target with {cases} cases (profile `fuzz`)");
    let mut child = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "test",
            "--workspace",
            "--all-features",
            "--profile",
            "fuzz",
            "--tests",
            "--no-fail-fast",
            "--",
        ])
        .args(TARGETS)
        .env("UPDRAFT_FUZZ_CASES", cases.to_string())
        .env("SQS_PROPERTY_CASES", cases.to_string())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| fail("no stdout"))?;
    let mut failed = Vec::new();
    let mut passed = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if line.starts_with("test result:") && !line.contains(" 0 passed; 0 failed") {
            eprintln!("xtask:   {line}");
        }
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, outcome)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        let target = name.rsplit("::").next().unwrap_or(name);
        // A test binary without libtest's harness runs every test it has and prints them alike:
        // only the targets asked for are figures.
        if !is_target(target) {
            continue;
        }
        #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
        {
            println!("FUZZ {target} {cases} {outcome}");
        }
        if outcome == "ok" {
            passed += 1;
        } else {
            failed.push(target.to_owned());
        }
    }
    let status = child.wait()?;
    eprintln!(
        "xtask: fuzzing took {:.0}s: {passed} targets passed, {} failed",
        started.elapsed().as_secs_f64(),
        failed.len()
    );
    if status.success() && failed.is_empty() && passed > 0 {
        Ok(())
    } else {
        Err(fail(format!("fuzz targets failed: {}", failed.join(", "))))
    }
}

/// The test-name filters that select the targets: every `fuzz_…` test and the SQS batch
/// property test.
const TARGETS: [&str; 2] = [
    "fuzz_",
    "reported_failures_are_exactly_the_records_that_should_fail",
];

/// Whether a test of this name is one of the targets (libtest filters match substrings).
fn is_target(name: &str) -> bool {
    TARGETS.iter().any(|filter| name.contains(filter))
}

/// The `--cases N` of the arguments, or the default.
///
/// # Errors
///
/// When `--cases` has no number after it, or another argument is given.
pub fn cases(args: &[&str]) -> Result<u64> {
    match args {
        [] => Ok(DEFAULT_CASES),
        ["--cases", n] => n
            .replace('_', "")
            .parse()
            .map_err(|_| fail(format!("`{n}` is not a number of cases"))),
        other => Err(fail(format!(
            "unknown arguments `{}`: use `cargo xtask fuzz [--cases N]`",
            other.join(" ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_targets_asked_for_are_counted() {
        assert!(is_target("fuzz_http_events_are_answered_never_panicked_on"));
        assert!(is_target(
            "reported_failures_are_exactly_the_records_that_should_fail"
        ));
        assert!(!is_target("a_missing_variable_exits_78_and_names_it"));
    }

    #[test]
    fn cases_come_from_the_arguments() {
        assert_eq!(cases(&[]).unwrap(), DEFAULT_CASES);
        assert_eq!(cases(&["--cases", "1_000"]).unwrap(), 1000);
        assert!(cases(&["--cases", "many"]).is_err());
        assert!(cases(&["--fast"]).is_err());
    }
}
