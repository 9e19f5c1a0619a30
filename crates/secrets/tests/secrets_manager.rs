//! `SecretsManager` against moto: names, ARNs, versions, binary secrets, batches.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use secrecy::ExposeSecret;
use support::Seed;
use updraft_secrets::{Error, Provider, Request, SecretsManager};
use updraft_testkit::unique_name;

#[tokio::test]
async fn by_name_by_arn_and_binary() {
    let seed = Seed::new().await;
    let name = unique_name("sm");
    let arn = seed
        .secret(&name, r#"{"user": "app", "password": "pw-123"}"#)
        .await;
    let binary = unique_name("sm-bin");
    seed.binary_secret(&binary, &[9, 8, 7]).await;
    let sm = SecretsManager::new(&seed.config);
    let by_name = sm.get(&name).await.unwrap();
    assert_eq!(
        by_name.pick("password").unwrap().expose().unwrap(),
        "pw-123"
    );
    assert!(by_name.version().is_some());
    assert_eq!(
        sm.get(&arn).await.unwrap().expose().unwrap(),
        by_name.expose().unwrap()
    );
    assert_eq!(
        sm.get_binary(&binary).await.unwrap().expose_secret(),
        &[9, 8, 7]
    );
    assert!(matches!(
        sm.get(unique_name("missing")).await,
        Err(Error::NotFound {
            provider: "secretsmanager",
            ..
        })
    ));
}

#[tokio::test]
async fn versions_by_stage_and_id() {
    let seed = Seed::new().await;
    let name = unique_name("sm-ver");
    seed.secret(&name, "v1").await;
    let second = seed.update_secret(&name, "v2").await;
    let sm = SecretsManager::new(&seed.config);
    assert_eq!(sm.get(&name).await.unwrap().expose().unwrap(), "v2");
    assert_eq!(
        sm.get(Request::new(&name).stage("AWSPREVIOUS"))
            .await
            .unwrap()
            .expose()
            .unwrap(),
        "v1"
    );
    let by_id = sm
        .get(Request::new(&name).version_id(&second))
        .await
        .unwrap();
    assert_eq!(
        (by_id.expose().unwrap(), by_id.version()),
        ("v2", Some(second.as_str()))
    );
    assert!(
        sm.get(Request::new(&name).stage("NO-SUCH-STAGE"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn get_many_batches_twenty_ids_per_call_and_reports_missing_ones() {
    let seed = Seed::new().await;
    let names: Vec<String> = (0..25)
        .map(|i| unique_name(&format!("sm-many-{i}")))
        .collect();
    for (i, name) in names.iter().enumerate() {
        if i != 7 {
            seed.secret(name, &format!("secret-{i}")).await;
        }
    }
    let sm = SecretsManager::new(&seed.config);
    let mut requests: Vec<Request> = names.iter().map(Request::from).collect();
    requests.push(Request::new(&names[0]).stage("AWSCURRENT"));
    let results = sm.get_many(requests).await;
    assert_eq!(results.len(), 26);
    assert_eq!(
        sm.api_calls(),
        3,
        "two batches of current versions, one read of a stage"
    );
    assert!(
        matches!(&results[7], Err(Error::NotFound { .. })),
        "{:?}",
        results[7]
    );
    for i in (0..25).filter(|&i| i != 7) {
        assert_eq!(
            results[i].as_ref().unwrap().expose().unwrap(),
            format!("secret-{i}")
        );
    }
    assert_eq!(results[25].as_ref().unwrap().expose().unwrap(), "secret-0");
}
