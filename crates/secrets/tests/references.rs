//! Secret references in env and `.env`, resolved against moto: every form, JSON picks, batching,
//! and failures that name the variable and the reference, never a value.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use support::Seed;
use updraft_core::Env;
use updraft_secrets::{Cache, Error, Resolver, SecretsManager, Ssm, Store};
use updraft_testkit::unique_name;

struct World {
    seed: Seed,
    ssm_path: String,
    secret: String,
}

async fn world() -> World {
    let seed = Seed::new().await;
    let ssm_path = Seed::path("refs");
    seed.parameter(&format!("{ssm_path}/db/password"), "pg-password-123", true)
        .await;
    seed.parameter(&format!("{ssm_path}/api-key"), "api-key-456", true)
        .await;
    let secret = unique_name("refs-json");
    seed.secret(
        &secret,
        r#"{"user": "app", "port": 5432, "tls": {"ca": "ca-pem-789"}}"#,
    )
    .await;
    World {
        seed,
        ssm_path,
        secret,
    }
}

#[tokio::test]
async fn every_form_resolves_from_a_real_dot_env_file_in_few_calls() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let dot_env = dir.path().join(".env");
    let text = format!(
        "DB_PASSWORD=\"ssm://{p}/db/password\"\nAPI_KEY=secret://{p}/api-key\nDB_USER=secretsmanager://{s}#user\n\
         DB_PORT=secretsmanager://{s}#port\nDB_CA=secretsmanager://{s}#tls.ca\nDB_ALL=secretsmanager://{s}\nREGION_NAME=ohio\n",
        p = w.ssm_path.trim_start_matches('/'),
        s = w.secret
    );
    std::fs::write(&dot_env, text).unwrap();
    let env = Env::from_pairs([("FROM_PROCESS", format!("ssm://{}/api-key", w.ssm_path))])
        .with_file(&dot_env)
        .unwrap();
    let (ssm, sm) = (
        Ssm::new(&w.seed.config),
        SecretsManager::new(&w.seed.config),
    );
    let resolved = Resolver::with_providers(ssm.clone(), sm.clone())
        .resolve(&env)
        .await
        .unwrap();
    let value = |name: &str| resolved.require(name).unwrap().expose().unwrap().to_owned();
    assert_eq!(value("DB_PASSWORD"), "pg-password-123");
    assert_eq!(value("API_KEY"), "api-key-456");
    assert_eq!(value("FROM_PROCESS"), "api-key-456");
    assert_eq!(value("DB_USER"), "app");
    assert_eq!(value("DB_PORT"), "5432");
    assert_eq!(value("DB_CA"), "ca-pem-789");
    assert!(value("DB_ALL").contains("\"tls\""));
    assert_eq!(resolved.len(), 7);
    assert!(
        resolved.get("REGION_NAME").is_none(),
        "plain values are not references"
    );
    assert_eq!(
        (ssm.api_calls(), sm.api_calls()),
        (1, 1),
        "one GetParameters, one BatchGetSecretValue"
    );
    let shown = format!("{resolved:?}");
    assert!(
        shown.contains("DB_PASSWORD") && !shown.contains("pg-password-123"),
        "{shown}"
    );
}

#[tokio::test]
async fn every_failure_is_listed_with_its_variable_and_reference_and_no_value() {
    let w = world().await;
    let env = Env::from_pairs([
        ("GOOD", format!("ssm://{}/api-key", w.ssm_path)),
        ("MISSING", format!("ssm://{}/no-such", w.ssm_path)),
        (
            "NO_FIELD",
            format!("secretsmanager://{}#password", w.secret),
        ),
        ("NOT_JSON", format!("ssm://{}/db/password#user", w.ssm_path)),
        ("MALFORMED", "secretsmanager://".to_owned()),
        (
            "EMPTY_KEY",
            format!("secretsmanager://{}#tls..ca", w.secret),
        ),
    ]);
    let error = Resolver::new(&w.seed.config)
        .resolve(&env)
        .await
        .unwrap_err();
    let Error::Unresolved(failures) = &error else {
        panic!("{error:?}")
    };
    let mut variables: Vec<&str> = failures.iter().map(|f| f.variable.as_str()).collect();
    variables.sort_unstable();
    assert_eq!(
        variables,
        ["EMPTY_KEY", "MALFORMED", "MISSING", "NOT_JSON", "NO_FIELD"]
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("ssm://{}/no-such", w.ssm_path)),
        "{text}"
    );
    for value in ["pg-password-123", "api-key-456", "ca-pem-789", "5432"] {
        assert!(
            !text.contains(value) && !format!("{error:?}").contains(value),
            "{value} leaked: {text}"
        );
    }
}

#[tokio::test]
async fn the_default_store_can_be_secrets_manager_and_providers_can_be_caches() {
    let w = world().await;
    let env = Env::from_pairs([
        ("DB", format!("secret://{}#user", w.secret)),
        ("KEY", format!("ssm://{}/api-key", w.ssm_path)),
    ]);
    let ssm = Cache::new(Ssm::new(&w.seed.config));
    let sm = Cache::new(SecretsManager::new(&w.seed.config));
    let resolver =
        Resolver::with_providers(ssm.clone(), sm.clone()).default_store(Store::SecretsManager);
    let resolved = resolver.resolve(&env).await.unwrap();
    assert_eq!(resolved.require("DB").unwrap().expose().unwrap(), "app");
    resolver.resolve(&env).await.unwrap();
    assert_eq!(
        (ssm.stats().provider_calls, sm.stats().provider_calls),
        (1, 1),
        "the second resolve came from the caches"
    );
    assert!(
        Resolver::new(&w.seed.config)
            .resolve(&Env::from_pairs([("A", "b")]))
            .await
            .unwrap()
            .is_empty()
    );
}

#[test]
fn fuzz_references_are_parsed_or_refused_never_panicked_on() {
    use proptest::prelude::*;
    use updraft_testkit::fuzz;
    let reference = "(?i:secret|ssm|secretsmanager|sm)://\\PC{0,24}(#[a-z.]{0,8})?(\\?[a-z=&]{0,12})?|\\PC{0,24}";
    proptest!(fuzz::config(), |(value in reference)| {
        if let Err(error) = updraft_secrets::Reference::parse(&value) {
            prop_assert!(!error.to_string().is_empty());
        }
    });
}
