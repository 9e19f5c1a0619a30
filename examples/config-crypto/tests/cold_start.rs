//! The example's contract against moto's KMS: `open.yml` closed as `updraft config import`
//! closes it, then the function loads its stage at cold start and answers.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::Command;

use updraft::config_crypto::Kms;
use updraft::config_crypto::open::ConfigFile;
use updraft::testing::{servers_env, unique_name, workspace_binary};

#[tokio::test]
async fn the_function_loads_its_stage_at_cold_start() {
    let config = updraft::testing::aws_config().await;
    let sdk = aws_sdk_kms::Client::new(&config);
    let run = unique_name("example");
    let mut text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/open.yml")).unwrap();
    for stage in ["prod", "dev"] {
        let key = sdk.create_key().send().await.unwrap();
        let alias = format!("{run}-{stage}");
        sdk.create_alias()
            .alias_name(format!("alias/{alias}"))
            .target_key_id(key.key_metadata().unwrap().key_id())
            .send()
            .await
            .unwrap();
        text = text.replace(&format!("key: example-{stage}"), &format!("key: {alias}"));
    }
    let open = ConfigFile::from_text(&text).unwrap();
    let closed = open.close(&Kms::new(&config), "config.yml").await.unwrap();
    let dir = std::env::temp_dir().join(&run);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yml");
    closed.save(&path).unwrap();

    let env = servers_env();
    std::fs::write(dir.join("event.json"), "{}").unwrap();
    for (stage, host, length) in [("prod", "db.prod.internal", 16), ("qa", "localhost", 15)] {
        let output = Command::new(workspace_binary("config-crypto"))
            .arg("--event")
            .arg(dir.join("event.json"))
            .env_clear()
            .env("UPDRAFT_STAGE", stage)
            .env("UPDRAFT_CONFIG_FILE", &path)
            .envs(env.added())
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_str(
            String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .last()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(answer["data"]["db_host"], host, "{answer}");
        assert_eq!(answer["data"]["password_length"], length);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
