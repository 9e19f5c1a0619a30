//! `cargo xtask test`: everything CI runs, in one command.
//!
//! 1. `cargo fmt --check`;
//! 2. the servers (started here, or reused from `servers start`), then every test of the
//!    workspace against them, then the servers stopped again, also on failure or Ctrl-C;
//! 3. `cargo clippy --workspace --all-targets --all-features -- -D warnings`;
//! 4. `cargo doc --no-deps --all-features` with warnings denied;
//! 5. every tutorial page's example under exactly the features it names;
//! 6. the feature table, the feature-isolation check, the examples-use-the-facade check and
//!    the check that every HTTP example has its `openapi.json` (its tests check it is current;
//!    `cargo xtask openapi` rewrites them);
//! 7. `examples/orders-service`: its SAM template through `cfn-lint` (`cargo xtask
//!    lambda-build`, which CI runs next, builds its functions; see [`crate::deploy`]).
//!
//! Every step runs even when an earlier one failed, and the last line is the summary
//! `N passed, N failed`, counting each test and each check.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::process::was_interrupted;
use crate::servers::{Guard, Layout};
use crate::{Result, deploy, examples, fail, features, isolation, openapi, tutorial};

/// The variable that names the servers' env file (`updraft_testkit::SERVERS_ENV_VAR`;
/// xtask does not depend on core, which would build the AWS SDK into it).
const SERVERS_ENV_VAR: &str = "UPDRAFT_SERVERS_ENV";

/// Counts of the run.
#[derive(Debug, Default)]
pub struct Tally {
    /// Tests and checks that passed.
    pub passed: u64,
    /// Tests and checks that failed.
    pub failed: u64,
    /// What failed, for the summary.
    pub failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, result: Result<()>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                eprintln!("xtask: {name}: ok");
            }
            Err(e) => {
                self.failed += 1;
                self.failures.push(name.to_owned());
                eprintln!("xtask: {name}: FAILED\n{e}");
            }
        }
    }

    /// Adds the counts of one `test result:` line of libtest output.
    pub fn add_libtest_line(&mut self, line: &str) -> bool {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return false;
        };
        let count = |label: &str| {
            rest.split(';')
                .find_map(|part| {
                    part.trim()
                        .strip_suffix(label)?
                        .trim()
                        .rsplit(' ')
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .unwrap_or(0)
        };
        self.passed += count("passed");
        self.failed += count("failed");
        true
    }
}

/// Runs the whole suite; returns the tally.
pub fn run(layout: &Layout) -> Result<Tally> {
    let started = Instant::now();
    let mut tally = Tally::default();
    let root = &layout.root;

    step(&mut tally, "cargo fmt --check", || {
        status(
            Command::new(env!("CARGO"))
                .current_dir(root)
                .args(["fmt", "--all", "--check"]),
        )
    });

    let tests = Instant::now();
    match Guard::acquire(layout) {
        Ok(servers) => {
            if let Err(e) = run_tests(root, &servers, &mut tally) {
                tally.failed += 1;
                tally.failures.push("cargo test".into());
                eprintln!("xtask: cargo test: FAILED\n{e}");
            }
            drop(servers);
        }
        Err(e) => tally.check("starting the servers", Err(e)),
    }
    eprintln!("xtask: tests took {:.0}s", tests.elapsed().as_secs_f64());
    if was_interrupted() {
        return Err(fail("interrupted"));
    }

    step(&mut tally, "cargo clippy", || {
        status(Command::new(env!("CARGO")).current_dir(root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    });
    step(&mut tally, "cargo doc", || {
        status_without_warnings(
            Command::new(env!("CARGO"))
                .current_dir(root)
                .args(["doc", "--workspace", "--no-deps", "--all-features"])
                .env("RUSTDOCFLAGS", "-D warnings"),
        )
    });
    step(
        &mut tally,
        "tutorial pages under their own features",
        || {
            tutorial::check(root).map(|report| {
                for line in report {
                    eprintln!("xtask:   {line}");
                }
            })
        },
    );
    step(&mut tally, "feature table", || features::run(root, true));
    step(&mut tally, "feature isolation", || {
        isolation::check(root).map(|report| {
            for line in report {
                eprintln!("xtask:   {line}");
            }
        })
    });
    step(&mut tally, "examples use the facade", || {
        examples::check(root)
    });
    step(
        &mut tally,
        "every HTTP example has its openapi.json",
        || openapi::check(root),
    );
    step(&mut tally, "orders-service template: cfn-lint", || {
        deploy::lint(layout)
    });
    eprintln!(
        "xtask: the suite took {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(tally)
}

fn step(tally: &mut Tally, name: &str, f: impl FnOnce() -> Result<()>) {
    if was_interrupted() {
        return;
    }
    let t = Instant::now();
    eprintln!("xtask: == {name}");
    let result = f();
    tally.check(name, result);
    eprintln!("xtask:    ({:.0}s)", t.elapsed().as_secs_f64());
}

fn status(command: &mut Command) -> Result<()> {
    let status = command.status()?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("{command:?} exited with {status}")))
    }
}

/// Runs `command`, passing its stderr through, and fails on cargo's own warnings too (an output
/// filename collision, say), which `RUSTDOCFLAGS=-D warnings` does not turn into errors.
fn status_without_warnings(command: &mut Command) -> Result<()> {
    use std::io::BufRead as _;
    let mut child = command.stderr(std::process::Stdio::piped()).spawn()?;
    let mut warnings = 0_usize;
    if let Some(stderr) = child.stderr.take() {
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line?;
            warnings += usize::from(line.starts_with("warning:"));
            eprintln!("{line}");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(fail(format!("{command:?} exited with {status}")));
    }
    if warnings > 0 {
        return Err(fail(format!("{command:?} printed {warnings} warning(s)")));
    }
    Ok(())
}

fn run_tests(root: &Path, servers: &Guard, tally: &mut Tally) -> Result<()> {
    eprintln!(
        "xtask: == cargo test (servers: {})",
        servers.env_file().display()
    );
    let mut child = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
        .env(SERVERS_ENV_VAR, servers.env_file())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| fail("no stdout"))?;
    let (passed, failed) = (tally.passed, tally.failed);
    let mut saw_results = false;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        #[allow(clippy::print_stdout, reason = "the test output is passed through")]
        {
            println!("{line}");
        }
        saw_results |= tally.add_libtest_line(&line);
    }
    let status = child.wait()?;
    eprintln!(
        "xtask: tests: {} passed, {} failed",
        tally.passed - passed,
        tally.failed - failed
    );
    if status.success() {
        Ok(())
    } else if saw_results && tally.failed > failed {
        // The failing tests are counted already.
        Ok(())
    } else {
        Err(fail(format!(
            "cargo test exited with {status} before reporting its failures"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_summaries() {
        let mut tally = Tally::default();
        assert!(tally.add_libtest_line(
            "test result: ok. 57 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.30s"
        ));
        assert!(tally.add_libtest_line(
            "test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.00s"
        ));
        assert!(!tally.add_libtest_line("test foo ... ok"));
        assert_eq!((tally.passed, tally.failed), (62, 2));
    }

    #[test]
    fn failed_checks_are_counted_and_named() {
        let mut tally = Tally::default();
        tally.check("one", Ok(()));
        tally.check("two", Err(fail("broken")));
        assert_eq!((tally.passed, tally.failed), (1, 1));
        assert_eq!(tally.failures, ["two"]);
    }
}
