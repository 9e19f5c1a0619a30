//! Each function on configuration and events it cannot use: a clear error naming what is
//! wrong, never a panic.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::Command;

use example_orders_service::api;
use example_orders_service::consumer::Consumer;
use example_orders_service::subscribers::Subscribe;
use updraft::core::Env;
use updraft::testing::{aws_config, output_with_stdin, servers_env};

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(servers_env().added().chain(pairs.iter().copied()))
}

#[tokio::test]
async fn a_missing_or_malformed_variable_is_named() {
    let config = aws_config().await;
    let error = api::app(&config, &env(&[])).unwrap_err().to_string();
    assert!(error.contains("ORDERS_TABLE"), "{error}");
    let error = Subscribe::from_env(&config, &env(&[("ORDERS_TABLE", "o")]))
        .unwrap_err()
        .to_string();
    assert!(error.contains("TOKENS_TABLE"), "{error}");
    for (pairs, expected) in [
        (vec![("LARGE_ORDER_CENTS", "lots")], "LARGE_ORDER_CENTS"),
        (vec![("LARGE_ORDER_CENTS", "-5")], "LARGE_ORDER_CENTS"),
        (
            vec![
                ("WEBSOCKET_DOMAIN", "not a domain"),
                ("WEBSOCKET_STAGE", "live"),
            ],
            "not a domain",
        ),
        (vec![], "ORDERS_TABLE"),
        (vec![("ORDERS_TABLE", "o")], "PRICING_FUNCTION"),
    ] {
        let error = Consumer::from_env(&config, &env(&pairs))
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{pairs:?}: {error}");
    }
}

#[test]
fn the_report_task_without_its_order_exits_78_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_orders-report"))
        .envs(servers_env().added())
        .env("ORDERS_TABLE", "orders")
        .env("SESSION", r#"{"state": "ohio"}"#)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ORDER_ID"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_orders-report"))
        .envs(servers_env().added())
        .env_remove("ORDERS_TABLE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ORDERS_TABLE"), "{stderr}");
}

#[test]
fn malformed_events_get_clear_answers() {
    for event in [
        "",
        "not json",
        "[]",
        r#"{"data": {"total_cents": 5}}"#,
        r#"{"session": {"state": "ohio"}, "data": {"total_cents": "five"}}"#,
    ] {
        let output = output_with_stdin(
            Command::new(env!("CARGO_BIN_EXE_orders-pricing")).env("AWS_LAMBDA_LOG_LEVEL", "OFF"),
            event,
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!text.contains("panicked"), "{event}: {text}");
        assert!(
            !output.status.success() || text.contains("\"success\":false"),
            "{event}: {text}"
        );
    }
    let mut websocket = Command::new(env!("CARGO_BIN_EXE_orders-websocket"));
    websocket
        .envs(servers_env().added())
        .env("ORDERS_TABLE", "o")
        .env("TOKENS_TABLE", "t")
        .env("SUBSCRIPTIONS_TABLE", "s")
        .env("AWS_LAMBDA_LOG_LEVEL", "OFF");
    for event in ["not json", r#"{"requestContext": {}}"#] {
        let output = output_with_stdin(&mut websocket, event);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{event}");
        assert!(!stderr.contains("panicked"), "{event}: {stderr}");
    }
}
