//! `Ssm` against moto: every read path, pagination, missing names, versions and Secrets
//! Manager references.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use secrecy::ExposeSecret;
use serde::Deserialize;
use support::Seed;
use updraft_secrets::{Error, Provider, Request, Ssm};

#[tokio::test]
async fn strings_and_secure_strings_are_read_decrypted() {
    let seed = Seed::new().await;
    let path = Seed::path("ssm");
    seed.parameter(&format!("{path}/plain"), "hello", false)
        .await;
    seed.parameter(&format!("{path}/secure"), "s3cr3t-value", true)
        .await;
    let ssm = Ssm::new(&seed.config);
    assert_eq!(
        ssm.get(format!("{path}/plain"))
            .await
            .unwrap()
            .expose()
            .unwrap(),
        "hello"
    );
    let secure = ssm.get(format!("{path}/secure")).await.unwrap();
    assert_eq!(secure.expose().unwrap(), "s3cr3t-value");
    assert_eq!(secure.name(), format!("{path}/secure"));
    assert_eq!(secure.version(), Some("1"));
    let missing = ssm.get(format!("{path}/missing")).await.unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound { provider: "ssm", name } if name.ends_with("/missing")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn typed_reads_decode_json_and_base64_and_say_what_is_wrong() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Db {
        host: String,
        port: u16,
    }
    let seed = Seed::new().await;
    let path = Seed::path("typed");
    seed.parameter(
        &format!("{path}/db"),
        r#"{"host": "db.internal", "port": 5432}"#,
        true,
    )
    .await;
    seed.parameter(&format!("{path}/key"), "AAECAw==", true)
        .await;
    seed.parameter(
        &format!("{path}/bad"),
        r#"{"host": "x", "port": "not-a-port"}"#,
        true,
    )
    .await;
    let ssm = Ssm::new(&seed.config);
    assert_eq!(
        ssm.get_json::<Db>(format!("{path}/db")).await.unwrap(),
        Db {
            host: "db.internal".into(),
            port: 5432
        }
    );
    assert_eq!(
        ssm.get_binary(format!("{path}/key"))
            .await
            .unwrap()
            .expose_secret(),
        &[0, 1, 2, 3]
    );
    let error = ssm
        .get_json::<Db>(format!("{path}/bad"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("port") && !error.contains("not-a-port"),
        "{error}"
    );
    assert!(matches!(
        ssm.get_binary(format!("{path}/db")).await,
        Err(Error::Decode { .. })
    ));
}

#[tokio::test]
async fn get_many_batches_ten_names_per_call_and_reports_missing_ones() {
    let seed = Seed::new().await;
    let path = Seed::path("many");
    let names: Vec<String> = (0..25).map(|i| format!("{path}/p{i:02}")).collect();
    for (i, name) in names.iter().enumerate() {
        if i % 6 != 5 {
            seed.parameter(name, &format!("value-{i}"), i % 2 == 0)
                .await;
        }
    }
    let ssm = Ssm::new(&seed.config);
    let results = ssm.get_many(&names).await;
    assert_eq!(results.len(), 25);
    assert_eq!(ssm.api_calls(), 3);
    for (i, result) in results.iter().enumerate() {
        if i % 6 == 5 {
            assert!(
                matches!(result, Err(Error::NotFound { name, .. }) if name == &names[i]),
                "{i}: {result:?}"
            );
        } else {
            assert_eq!(
                result.as_ref().unwrap().expose().unwrap(),
                format!("value-{i}")
            );
        }
    }
    assert!(ssm.get_many(Vec::<String>::new()).await.is_empty());
}

#[tokio::test]
async fn get_by_path_follows_every_page_and_recurses_on_request() {
    let seed = Seed::new().await;
    let path = Seed::path("tree");
    for i in 0..23 {
        seed.parameter(&format!("{path}/top{i:02}"), &format!("t{i}"), true)
            .await;
    }
    for i in 0..4 {
        seed.parameter(&format!("{path}/deep/d{i}"), &format!("d{i}"), false)
            .await;
    }
    let ssm = Ssm::new(&seed.config);
    let top = ssm.get_by_path(&path, false).await.unwrap();
    assert_eq!(top.len(), 23);
    assert!(
        ssm.api_calls() >= 3,
        "moto gives at most 10 per page: {}",
        ssm.api_calls()
    );
    let mut all: Vec<String> = ssm
        .get_by_path(&path, true)
        .await
        .unwrap()
        .iter()
        .map(|s| s.expose().unwrap().to_owned())
        .collect();
    all.sort();
    assert_eq!(all.len(), 27);
    assert!(all.contains(&"d3".to_owned()) && all.contains(&"t22".to_owned()));
    assert!(
        ssm.get_by_path(&format!("{path}/nothing-here"), true)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn versions_and_secrets_manager_references() {
    let seed = Seed::new().await;
    let name = format!("{}/rotating", Seed::path("versions"));
    seed.parameter(&name, "first", true).await;
    seed.parameter(&name, "second", true).await;
    let ssm = Ssm::new(&seed.config);
    assert_eq!(ssm.get(&name).await.unwrap().expose().unwrap(), "second");
    assert_eq!(
        ssm.get(Request::new(&name).version_id("1"))
            .await
            .unwrap()
            .expose()
            .unwrap(),
        "first"
    );
    assert!(matches!(
        ssm.get(Request::new(&name).version_id("9")).await,
        Err(Error::NotFound { .. })
    ));

    let secret = updraft_testkit::unique_name("via-ssm");
    seed.secret(&secret, "from-secrets-manager").await;
    let reference = format!("{}{secret}", updraft_secrets::SECRETS_MANAGER_REFERENCE);
    assert_eq!(
        ssm.get(&reference).await.unwrap().expose().unwrap(),
        "from-secrets-manager"
    );
    let mixed = ssm.get_many([reference.clone(), name.clone()]).await;
    assert_eq!(
        mixed[0].as_ref().unwrap().expose().unwrap(),
        "from-secrets-manager"
    );
    assert_eq!(mixed[1].as_ref().unwrap().expose().unwrap(), "second");
}
