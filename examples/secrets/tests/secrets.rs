//! The example's contract against moto: resolved values, printed redacted, one provider call.
#![allow(clippy::unwrap_used, reason = "tests")]

use example_secrets::{AppConfig, Store};
use updraft::core::Env;
use updraft::testing::{aws_config, run_with_servers, unique_name};

const VALUES: [&str; 5] = [
    "ak-live-51f0c9",
    "tok-7d2e91",
    "orders_app",
    "pg-9a8b7c",
    "ohio",
];

#[test]
fn the_binary_prints_redacted_values_and_one_provider_call() {
    let stdout = run_with_servers(env!("CARGO_BIN_EXE_secrets"));
    assert!(stdout.contains("provider calls: 1\n"), "{stdout}");
    assert!(stdout.contains("hits: 999, misses: 1"), "{stdout}");
    assert_eq!(stdout.matches("[REDACTED]").count(), 5, "{stdout}");
    for value in VALUES {
        assert!(!stdout.contains(value), "`{value}` printed:\n{stdout}");
    }
}

#[tokio::test]
async fn the_references_resolve_to_the_seeded_values() {
    let config = aws_config().await;
    let store = Store::new(&unique_name("t"));
    store.seed(&config).await.unwrap();
    let env = Env::from_pairs(
        store
            .dot_env()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let app = AppConfig::resolve(&config, &env).await.unwrap();
    let shown = [
        &app.api_key,
        &app.api_token,
        &app.db_user,
        &app.db_password,
        &app.region_name,
    ]
    .map(|s| s.expose().unwrap().to_owned());
    assert_eq!(shown, VALUES);
    assert_eq!(app.log_level, "info");
    store.delete(&config).await.unwrap();
    let error = AppConfig::resolve(&config, &env)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("API_KEY") && error.contains("DB_PASSWORD"),
        "{error}"
    );
}
