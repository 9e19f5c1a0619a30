//! The example's contract: run once on an event file outside Lambda, its stdout holds the
//! answer and the EMF documents.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::{Command, Output};

use serde_json::{Value, json};
use updraft::testing::{check_emf, workspace_binary};

fn run(event: &str, env: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join(updraft::testing::unique_name("metrics-example"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("event.json");
    std::fs::write(&file, event).unwrap();
    let output = Command::new(workspace_binary("metrics"))
        .arg(&file)
        .current_dir(&dir)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    output
}

fn stdout_json(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

const ENV: [(&str, &str); 3] = [
    ("UPDRAFT_METRICS_NAMESPACE", "Shop"),
    ("UPDRAFT_SERVICE_NAME", "orders"),
    ("RUST_LOG", "off"),
];

#[test]
fn one_run_prints_the_emf_document_then_the_answer() {
    let output = run(r#"{"data": {"orders": 3}}"#, &ENV);
    assert!(output.status.success(), "{output:?}");
    let lines = stdout_json(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let doc = check_emf(&lines[0].to_string()).unwrap();
    assert_eq!(doc["OrdersPlaced"], json!(3.0));
    assert_eq!(doc["service"], "orders");
    assert_eq!(doc["request_id"], "cli-request-id");
    let directive = &doc["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Shop");
    assert_eq!(directive["Dimensions"], json!([["service"]]));
    assert_eq!(
        directive["Metrics"],
        json!([{"Name": "OrdersPlaced", "Unit": "Count"}])
    );
    assert_eq!(lines[1], json!({"success": true, "data": {"recorded": 3}}));
}

#[test]
fn cold_start_is_recorded_when_asked() {
    let mut env = ENV.to_vec();
    env.push(("UPDRAFT_METRICS_COLD_START", "true"));
    env.push(("AWS_LAMBDA_FUNCTION_NAME", "place-orders"));
    let lines = stdout_json(&run(r#"{"data": {"orders": 1}}"#, &env));
    let docs: Vec<_> = lines[..lines.len() - 1]
        .iter()
        .map(|line| check_emf(&line.to_string()).unwrap())
        .collect();
    let cold = docs.iter().find(|d| d.contains_key("ColdStart")).unwrap();
    assert_eq!(cold["ColdStart"], json!(1.0));
    assert_eq!(cold["function_name"], "place-orders");
    assert!(docs.iter().any(|d| d["OrdersPlaced"] == json!(1.0)));
}

#[test]
fn malformed_events_and_settings_get_clear_errors_and_no_metric() {
    for event in [
        r#"{"data": {"orders": -1}}"#,
        r#"{"data": {}}"#,
        r#"{"data": {"orders": "3"}}"#,
    ] {
        let lines = stdout_json(&run(event, &ENV));
        assert_eq!(lines.len(), 1, "no EMF document for {event}: {lines:?}");
        assert_eq!(lines[0]["success"], false, "{event}");
    }
    let output = run(r#"{"data": {"orders": 3}}"#, &ENV[1..]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("UPDRAFT_METRICS_NAMESPACE"), "{stderr}");
    let mut bad = ENV.to_vec();
    bad.push(("UPDRAFT_METRICS_COLD_START", "maybe"));
    let stderr = String::from_utf8_lossy(&run("{}", &bad).stderr).into_owned();
    assert!(stderr.contains("UPDRAFT_METRICS_COLD_START"), "{stderr}");
}
