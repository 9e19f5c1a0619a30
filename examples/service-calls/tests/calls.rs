//! The example end to end: `invoke-sum` under cargo-lambda's emulator (its Invoke API as
//! `AWS_ENDPOINT_URL_LAMBDA`) and `http-api` served locally as the `greeter` service.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use updraft::testing::{ChildGuard, Emulator, free_port, wait_for_port, workspace_binary};

#[tokio::test]
async fn prints_one_line_per_call() {
    let sum = workspace_binary("invoke-sum");
    let lambda = Emulator::start_named("invoke-sum", sum.to_str().unwrap(), &[]).await;
    let port = free_port();
    let _greeter = ChildGuard::spawn(
        "http-api",
        Command::new(workspace_binary("http-api"))
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null()),
    );
    assert!(
        wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(30)
        )
        .await,
        "http-api did not start"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_service-calls"))
        .env("SUM_FUNCTION", "invoke-sum")
        .env("AWS_ENDPOINT_URL_LAMBDA", lambda.lambda_endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env(
            "MICROSERVICE_URLS",
            format!(r#"{{"greeter": "http://127.0.0.1:{port}"}}"#),
        )
        .env("INTER_SERVICE_TOKEN", "local-token")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0], "sum: 42");
    assert!(
        lines[1].starts_with("envelope error: ") && lines[1].contains("missing field `b`"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "api: hello, ann");
    assert_eq!(lines[3], "not configured: billing");
}

#[test]
fn without_its_variables_it_says_which_one_is_missing() {
    let output = Command::new(env!("CARGO_BIN_EXE_service-calls"))
        .env_remove("SUM_FUNCTION")
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SUM_FUNCTION"), "{stderr}");
}
