//! Closing and opening against moto's KMS: secrets round-trip, fleece values are read, and a
//! changed, moved or dropped value is caught.
#![allow(clippy::unwrap_used, reason = "tests")]

use aws_sdk_kms::primitives::Blob;
use base64::Engine as _;
use updraft_config_crypto::Kms;
use updraft_config_crypto::closed::{close, open};
use updraft_config_crypto::open::{ConfigFile, Leaf, Node};
use updraft_config_crypto::value::Value;

async fn kms_with_keys(aliases: &[&str]) -> (Kms, aws_sdk_kms::Client) {
    let config = updraft_testkit::aws_config().await;
    let sdk = aws_sdk_kms::Client::new(&config);
    for alias in aliases {
        let key = sdk.create_key().send().await.unwrap();
        let id = key.key_metadata().unwrap().key_id().to_owned();
        sdk.create_alias()
            .alias_name(format!("alias/{alias}"))
            .target_key_id(id)
            .send()
            .await
            .unwrap();
    }
    (Kms::new(&config), sdk)
}

fn secret_of(node: &Node, key: &str, stage: &str) -> Option<String> {
    let Node::Map(entries) = node else {
        return None;
    };
    let (_, value) = entries.iter().find(|(k, _)| k == key)?;
    let Node::PerStage(values) = value else {
        return None;
    };
    values
        .iter()
        .find(|(s, _)| s == stage)
        .and_then(|(_, leaf)| match leaf {
            Leaf::Secret(text) => Some(text.as_str().to_owned()),
            _ => None,
        })
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one file's life: close, write, read, render, load, tamper"
)]
async fn secrets_round_trip_and_tampering_is_caught() {
    let prod = updraft_testkit::unique_name("prod");
    let dev = updraft_testkit::unique_name("dev");
    let (kms, sdk) = kms_with_keys(&[&prod, &dev]).await;
    let fleece_blob = sdk
        .encrypt()
        .key_id(format!("alias/{dev}"))
        .plaintext(Blob::new("from-fleece"))
        .send()
        .await
        .unwrap();
    let fleece = base64::engine::general_purpose::STANDARD
        .encode(fleece_blob.ciphertext_blob().unwrap().as_ref());
    let text = format!(
        "stages:\n  prod: {{environment: prod, key: {prod}}}\n  /.*/: {{environment: dev, key: {dev}}}\nconfig:\n  foo: bar\n  password:\n    +prod: ':encrypt:p-secret'\n    +/.*/: ':encrypt:d-secret'\n  legacy:\n    +dev: ':decrypt:{fleece}'\n"
    );
    let open_form = ConfigFile::from_text(&text).unwrap();
    let (sealed, meta) = close(&open_form.stages, &open_form.config, &kms, "config.yml")
        .await
        .unwrap();
    assert!(!format!("{sealed:?}").contains("p-secret"));
    assert_eq!(meta.stages.len(), 2);

    // Written as YAML and read back, the closed file opens the same.
    let closed = ConfigFile {
        stages: open_form.stages.clone(),
        config: sealed.clone(),
        meta: Some(meta.clone()),
    };
    let yaml = closed.to_yaml().unwrap();
    assert!(
        !yaml.contains("p-secret") && !yaml.contains("from-fleece") && !yaml.contains(":decrypt:"),
        "{yaml}"
    );
    let read = ConfigFile::from_text(&yaml).unwrap();
    assert_eq!(read.meta.as_ref(), Some(&meta));
    let opened = open(&read.stages, &read.config, read.meta.as_ref(), &kms)
        .await
        .unwrap();
    assert_eq!(
        secret_of(&opened, "password", "prod").as_deref(),
        Some("p-secret")
    );
    assert_eq!(
        secret_of(&opened, "password", "/.*/").as_deref(),
        Some("d-secret")
    );
    assert_eq!(
        secret_of(&opened, "legacy", "dev").as_deref(),
        Some("from-fleece")
    );

    // Rendering a stage picks its values: exact first, then the first matching regex.
    let prod_values = updraft_config_crypto::render::render(&read, "prod", &kms)
        .await
        .unwrap();
    assert_eq!(prod_values.get("foo"), Some(&Value::Str("bar".into())));
    let Some(Value::Secret(password)) = prod_values.get("password") else {
        panic!("{prod_values:?}")
    };
    assert_eq!(password.expose(), "p-secret");
    assert_eq!(prod_values.get("legacy"), None, "no value for prod");
    let dev_values = updraft_config_crypto::render::render(&read, "dev", &kms)
        .await
        .unwrap();
    let Some(Value::Secret(legacy)) = dev_values.get("legacy") else {
        panic!("{dev_values:?}")
    };
    assert_eq!(legacy.expose(), "from-fleece");
    let Some(Value::Secret(password)) = dev_values.get("password") else {
        panic!()
    };
    assert_eq!(password.expose(), "d-secret");
    assert!(!format!("{dev_values:?}").contains("d-secret"));

    // At cold start: the file named by UPDRAFT_CONFIG_FILE, the stage by UPDRAFT_STAGE.
    let dir = std::env::temp_dir().join(updraft_testkit::unique_name("config"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yml");
    updraft_config_crypto::write::write_atomically(&path, &yaml).unwrap();
    let env = updraft_core::Env::from_pairs([
        ("UPDRAFT_CONFIG_FILE", path.to_str().unwrap()),
        ("UPDRAFT_STAGE", "staging"),
    ]);
    let loaded = updraft_config_crypto::load_with(&env, None, &kms)
        .await
        .unwrap();
    let Some(Value::Secret(password)) = loaded.get("password") else {
        panic!()
    };
    assert_eq!(password.expose(), "d-secret", "staging falls to /.*/");
    let no_stage = updraft_core::Env::from_pairs([("UPDRAFT_CONFIG_FILE", path.to_str().unwrap())]);
    let error = updraft_config_crypto::load_with(&no_stage, None, &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("UPDRAFT_STAGE"), "{error}");
    let missing = updraft_core::Env::from_pairs([("UPDRAFT_CONFIG_FILE", "/no/such/config.yml")]);
    let error = updraft_config_crypto::load_with(&missing, Some("prod"), &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("/no/such/config.yml"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();

    // Swap the two sealed passwords: each is bound to its stage and the MACs break.
    let Node::Map(mut entries) = sealed.clone() else {
        panic!()
    };
    if let Node::PerStage(values) = &mut entries[1].1 {
        let (a, b) = (values[0].1.clone(), values[1].1.clone());
        values[0].1 = b;
        values[1].1 = a;
    }
    let error = open(&open_form.stages, &Node::Map(entries), Some(&meta), &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MAC does not match"), "{error}");

    // A plain value changed: the MAC of every stage covers it.
    let Node::Map(mut entries) = sealed.clone() else {
        panic!()
    };
    entries[0].1 = Node::Value(updraft_config_crypto::open::Scalar::Str("baz".into()));
    let error = open(&open_form.stages, &Node::Map(entries), Some(&meta), &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MAC does not match"), "{error}");

    // A data key from another file does not decrypt (its encryption context names the file).
    let mut moved = meta.clone();
    moved.file = "other.yml".into();
    let error = open(&open_form.stages, &sealed, Some(&moved), &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("KMS refused"), "{error}");
}

#[tokio::test]
async fn a_stage_that_picks_no_per_stage_value_still_checks_its_mac() {
    let alias = updraft_testkit::unique_name("common");
    let (kms, _) = kms_with_keys(&[&alias]).await;
    let open_form = ConfigFile::from_text(&format!(
        "stages:\n  prod: {{key: {alias}}}\nconfig:\n  port: 8080\n  host: db\n"
    ))
    .unwrap();
    let (sealed, meta) = close(&open_form.stages, &open_form.config, &kms, "config.yml")
        .await
        .unwrap();
    let closed = ConfigFile {
        stages: open_form.stages.clone(),
        config: sealed,
        meta: Some(meta),
    };
    let rendered = updraft_config_crypto::render::render(&closed, "prod", &kms)
        .await
        .unwrap();
    assert_eq!(
        updraft_config_crypto::output::to_json(&rendered),
        serde_json::json!({"port": 8080, "host": "db"})
    );
    // The port changed in the file: no per-stage value is picked, and the MAC still catches it.
    let tampered =
        ConfigFile::from_text(&closed.to_yaml().unwrap().replace("8080", "8081")).unwrap();
    let error = updraft_config_crypto::render::render(&tampered, "prod", &kms)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MAC does not match"), "{error}");
    // An open file's `:encrypt:` value is refused before any KMS call, naming its path.
    let open_file = ConfigFile::from_text(&format!(
        "stages:\n  prod: {{key: {alias}}}\nconfig:\n  password: {{+prod: ':encrypt:x'}}\n"
    ))
    .unwrap();
    let error = updraft_config_crypto::render::render(&open_file, "prod", &kms)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("config.password.+prod: a `:encrypt:` value: the file is open"),
        "{error}"
    );
}
