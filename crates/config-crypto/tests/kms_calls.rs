//! How many KMS calls a 100-secret file costs, counted at a recording proxy in front of moto:
//! `import` one `GenerateDataKey` per stage definition, `load` one `Decrypt`; fleece makes one
//! call per value (100 each way).
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "tests report what they count"
)]

use std::fmt::Write as _;

use updraft_config_crypto::open::ConfigFile;
use updraft_config_crypto::{Kms, load_with};
use updraft_testkit::{Exchange, FaultProxy, servers_env, unique_name};

#[tokio::test]
async fn a_hundred_secrets_cost_one_kms_call_per_stage() {
    let moto = servers_env()
        .require("AWS_ENDPOINT_URL")
        .unwrap()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(moto, Exchange::pass).await;
    let direct = updraft_testkit::aws_config().await;
    let sdk = aws_sdk_kms::Client::new(&direct);
    let run = unique_name("calls");
    for stage in ["prod", "dev"] {
        let key = sdk.create_key().send().await.unwrap();
        sdk.create_alias()
            .alias_name(format!("alias/{run}-{stage}"))
            .target_key_id(key.key_metadata().unwrap().key_id())
            .send()
            .await
            .unwrap();
    }
    let mut text =
        format!("stages:\n  prod: {{key: {run}-prod}}\n  /.*/: {{key: {run}-dev}}\nconfig:\n");
    for i in 0..50 {
        let _ = write!(
            text,
            "  secret{i}:\n    +prod: ':encrypt:p{i}'\n    +/.*/: ':encrypt:d{i}'\n"
        );
    }
    let config = updraft_core::aws::ConfigLoader::new()
        .env(updraft_core::Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ]))
        .endpoint_url(proxy.url())
        .load()
        .await
        .unwrap();
    let kms = Kms::new(&config);
    let calls = |name: &str| {
        proxy
            .requests()
            .iter()
            .filter(|r| r.header("x-amz-target") == Some(&format!("TrentService.{name}")))
            .count()
    };

    let open = ConfigFile::from_text(&text).unwrap();
    let closed = open.close(&kms, "config.yml").await.unwrap();
    let import_calls = proxy.requests().len();
    assert_eq!(
        (calls("GenerateDataKey"), import_calls),
        (2, 2),
        "import of 100 secrets"
    );

    let dir = std::env::temp_dir().join(&run);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yml");
    closed.save(&path).unwrap();
    let env = updraft_core::Env::from_pairs([("UPDRAFT_CONFIG_FILE", path.to_str().unwrap())]);
    let value = load_with(&env, Some("prod"), &kms).await.unwrap();
    assert!(value.get("secret49").is_some());
    let load_calls = proxy.requests().len() - import_calls;
    assert_eq!((calls("Decrypt"), load_calls), (1, 1), "load of one stage");
    println!(
        "KMS calls for 100 secrets in 2 stages: import {import_calls}, load {load_calls} (fleece: 100 and 50)"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
