//! The task side, run as a real task binary: this test binary is its own task. Started with
//! `UPDRAFT_FARGATE_PROBE` set, `main` runs the probe task through `updraft_fargate::run` and
//! exits with its code; otherwise it runs the scenarios below, each starting itself as a
//! child process, and the local mode of `Executor`, which starts it the same way.
//!
//! `harness = false`: a libtest harness would own `main`. The summary line has libtest's form.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test binary without the libtest harness, where the test lints do not apply"
)]

use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};
use std::time::{Duration, Instant};

use updraft_core::error::{Kind, Surface};
use updraft_core::{SdkConfig, Session};
use updraft_fargate::task::exit;
use updraft_fargate::{Executor, Task, TaskContext};
use updraft_testkit::{Canned, FakeEndpoint};

const PROBE: &str = "UPDRAFT_FARGATE_PROBE";

/// What the probe does, by `UPDRAFT_FARGATE_PROBE`.
struct Probe(String);

#[derive(Debug, thiserror::Error)]
#[error("the report service is down")]
struct Down;

impl Surface for Down {
    fn kind(&self) -> Kind {
        Kind::Unavailable
    }
    fn error_type(&self) -> &'static str {
        "probe.Down"
    }
}

impl Task for Probe {
    type Error = Box<ProbeError>;

    async fn execute(&self, ctx: &TaskContext) -> Result<(), Self::Error> {
        let town = ctx
            .require_env("TOWN")
            .map_err(ProbeError::Config)?
            .to_owned();
        if let Some(out) = ctx.env().non_empty("OUT") {
            let current = Session::current().and_then(|s| s.state).unwrap_or_default();
            let _ = std::fs::write(out, format!("{town} {current}"));
        }
        match self.0.as_str() {
            "fail" => Err(Box::new(ProbeError::Down(Down))),
            "panic" => panic!("the probe panics on purpose"),
            "sleep" | "stubborn" => {
                if let Some(ready) = ctx.env().non_empty("READY") {
                    let _ = std::fs::write(ready, "");
                }
                if self.0 == "sleep" {
                    ctx.cancelled().await;
                    tracing::warn!("cancelled cooperatively");
                    Ok(())
                } else {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ProbeError {
    #[error(transparent)]
    Config(updraft_core::Error),
    #[error(transparent)]
    Down(Down),
}

impl Surface for Box<ProbeError> {
    fn kind(&self) -> Kind {
        match &**self {
            ProbeError::Config(e) => e.kind(),
            ProbeError::Down(e) => e.kind(),
        }
    }
    fn error_type(&self) -> &'static str {
        "probe.Error"
    }
}

fn main() -> ExitCode {
    if let Ok(mode) = std::env::var(PROBE) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        return runtime.block_on(updraft_fargate::run(Probe(mode)));
    }
    let scenarios: &[(&str, fn())] = &[
        ("a_missing_variable_exits_78_and_names_it", missing_variable),
        (
            "a_malformed_session_exits_65_without_echoing_it",
            malformed_session,
        ),
        (
            "success_exits_0_with_the_session_current_and_logged",
            success,
        ),
        ("a_task_error_exits_with_its_kinds_code", task_error),
        ("a_panic_exits_101_and_is_logged", panic),
        ("sigterm_cancels_the_task_and_exits_143", sigterm),
        (
            "a_task_that_ignores_sigterm_is_dropped_after_the_stop_timeout",
            stubborn,
        ),
        ("fake_metadata_endpoint_the_task_arn_is_logged", task_arn),
        (
            "malformed_configuration_of_the_runner_exits_78",
            malformed_runner_config,
        ),
        (
            "local_mode_runs_the_binary_and_reports_its_exit",
            local_mode,
        ),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, scenario) in scenarios {
        let result = std::panic::catch_unwind(scenario);
        let outcome = if result.is_ok() { "ok" } else { "FAILED" };
        #[allow(clippy::print_stdout, reason = "libtest's report format")]
        {
            println!("test {name} ... {outcome}");
        }
        if result.is_ok() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    #[allow(clippy::print_stdout, reason = "libtest's report format")]
    {
        println!("\ntest result: {verdict}. {passed} passed; {failed} failed; 0 ignored");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn probe(mode: &str, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("this binary"));
    command
        .env(PROBE, mode)
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env_remove("SESSION")
        .env_remove("TOWN")
        .env_remove("ECS_CONTAINER_METADATA_URI_V4")
        .envs(vars.iter().copied())
        .stdin(Stdio::null());
    command
}

fn run(mode: &str, vars: &[(&str, &str)]) -> Output {
    probe(mode, vars).output().expect("the probe runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON log lines of the probe (stderr outside ECS).
fn log_lines(output: &Output) -> Vec<serde_json::Value> {
    stderr(output)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn missing_variable() {
    let output = run("ok", &[]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert!(stderr(&output).contains("TOWN"), "{}", stderr(&output));
}

fn malformed_session() {
    for session in ["{not json", r#"{"state": 7}"#, "[]"] {
        let output = run("ok", &[("TOWN", "Dayton"), ("SESSION", session)]);
        assert_eq!(
            output.status.code(),
            Some(65),
            "{session}: {}",
            stderr(&output)
        );
        let text = stderr(&output);
        assert!(
            text.contains("SESSION") && !text.contains(session),
            "{text}"
        );
    }
}

fn success() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let session = Session::with_state("ohio").to_env_value();
    let output = run(
        "ok",
        &[
            ("TOWN", "Dayton"),
            ("SESSION", &session),
            ("OUT", out.to_str().unwrap()),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "Dayton ohio");
    let lines = log_lines(&output);
    let finished = lines
        .iter()
        .find(|l| l["message"] == "task finished")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(finished["span"]["state"], "ohio");
    assert_eq!(finished["span"]["task"], "Probe");
}

fn task_error() {
    let output = run("fail", &[("TOWN", "Dayton")]);
    assert_eq!(output.status.code(), Some(69), "{}", stderr(&output));
    let lines = log_lines(&output);
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "task failed" && l["error_type"] == "probe.Error"),
        "{lines:?}"
    );
}

fn panic() {
    let output = run("panic", &[("TOWN", "Dayton")]);
    assert_eq!(
        output.status.code(),
        Some(i32::from(exit::PANIC)),
        "{}",
        stderr(&output)
    );
    let lines = log_lines(&output);
    assert!(
        lines
            .iter()
            .any(|l| l["panic_message"] == "the probe panics on purpose"),
        "{lines:?}"
    );
}

/// Starts the probe in `mode`, waits until its task runs, sends SIGTERM.
fn terminate(mode: &str, vars: &[(&str, &str)]) -> (Output, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let mut all = vec![("TOWN", "Dayton"), ("READY", ready.to_str().unwrap())];
    all.extend_from_slice(vars);
    let child = probe(mode, &all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the probe starts");
    let guard = KillOnDrop(child.id());
    wait_for_file(&ready);
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let output = child.wait_with_output().expect("the probe exits");
    std::mem::forget(guard);
    (output, signalled.elapsed())
}

fn sigterm() {
    let (output, took) = terminate("sleep", &[]);
    assert_eq!(
        output.status.code(),
        Some(i32::from(exit::TERMINATED)),
        "{}",
        stderr(&output)
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    let lines = log_lines(&output);
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "cancelled cooperatively"),
        "{lines:?}"
    );
}

fn stubborn() {
    let (output, took) = terminate("stubborn", &[("UPDRAFT_FARGATE_STOP_TIMEOUT", "1s")]);
    assert_eq!(
        output.status.code(),
        Some(i32::from(exit::TERMINATED)),
        "{}",
        stderr(&output)
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

fn task_arn() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let arn = "arn:aws:ecs:us-east-1:123456789012:task/jobs/0123abcd";
    let fake = runtime.block_on(FakeEndpoint::start(vec![Canned::ok(
        "application/json",
        serde_json::json!({ "TaskARN": arn, "Family": "report" }).to_string(),
    )]));
    let url = format!("{}/v4/abc", fake.url());
    let output = run(
        "ok",
        &[("TOWN", "Dayton"), ("ECS_CONTAINER_METADATA_URI_V4", &url)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        lines.iter().any(|l| l["span"]["task_arn"] == arn),
        "on ECS the logs go to stdout, with the ARN: {stdout}"
    );
    assert_eq!(fake.requests()[0].target, "/v4/abc/task");

    let garbled = runtime.block_on(FakeEndpoint::start(vec![Canned::ok(
        "application/json",
        "{\"TaskARN\": 7",
    )]));
    let garbled_url = format!("{}/v4", garbled.url());
    let output = run(
        "ok",
        &[
            ("TOWN", "Dayton"),
            ("ECS_CONTAINER_METADATA_URI_V4", &garbled_url),
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "a garbled answer is only a warning"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("no task ARN"));

    let unreachable = run(
        "ok",
        &[
            ("TOWN", "Dayton"),
            ("ECS_CONTAINER_METADATA_URI_V4", "http://127.0.0.1:9/v4"),
        ],
    );
    assert_eq!(
        unreachable.status.code(),
        Some(0),
        "the ARN is for the logs only"
    );
}

fn malformed_runner_config() {
    for (name, value) in [
        ("UPDRAFT_FARGATE_STOP_TIMEOUT", "soon"),
        ("AWS_LAMBDA_LOG_LEVEL", "LOUD"),
    ] {
        let output = run("ok", &[("TOWN", "Dayton"), (name, value)]);
        assert_eq!(
            output.status.code(),
            Some(78),
            "{name}: {}",
            stderr(&output)
        );
        let text = stderr(&output);
        assert!(text.contains(name), "{text}");
    }
}

fn local_mode() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let executor = Executor::builder("local")
            .local(None)
            .local_binary("probe", std::env::current_exe().unwrap())
            .build(&SdkConfig::builder().build())
            .expect("a local executor");
        assert!(executor.is_local());
        let arn = Session::with_state("ohio")
            .scope(executor.run(
                "probe",
                [
                    (PROBE, "ok"),
                    ("TOWN", "Dayton"),
                    ("OUT", out.to_str().unwrap()),
                ],
            ))
            .await
            .expect("started");
        let status = executor
            .wait_for_stop(&arn, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(status.succeeded(), "{status:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "Dayton ohio");

        let failing = executor
            .run("probe", [(PROBE, "fail"), ("TOWN", "Dayton")])
            .await
            .unwrap();
        let status = executor
            .wait_for_stop(&failing, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(status.exit_code(), Some(69));
        assert!(!status.succeeded());

        let batch = executor
            .run_batch("probe", (0..3).map(|_| [(PROBE, "ok"), ("TOWN", "Dayton")]))
            .await;
        for arn in batch {
            let status = executor
                .wait_for_stop(&arn.unwrap(), Duration::from_secs(30))
                .await
                .unwrap();
            assert!(status.succeeded());
        }
        assert_eq!(executor.run_task_calls(), 0, "no ECS call in local mode");

        let missing = Executor::builder("local")
            .local(Some(dir.path().to_path_buf()))
            .build(&SdkConfig::builder().build())
            .unwrap();
        let err = missing
            .run("no-such-binary", [("A", "B")])
            .await
            .unwrap_err();
        assert!(
            matches!(err, updraft_fargate::Error::LocalSpawn { .. }),
            "{err}"
        );
        assert_eq!(err.kind(), Kind::Config);
        assert!(matches!(
            missing
                .status("arn:aws:ecs:local:000000000000:task/local/x")
                .await,
            Err(updraft_fargate::Error::TaskNotFound(_))
        ));
    });
}

fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(Instant::now() < deadline, "the probe never got ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills a probe that a failed assertion left running.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}
