//! `updraft config` end to end against moto's KMS: import, export, render in every format,
//! and `decrypt` of the SOPS file `render --format sops` wrote.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn updraft(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let env = updraft_testkit::servers_env();
    let mut child = Command::new(updraft_testkit::workspace_binary("updraft"))
        .current_dir(dir)
        .env_clear()
        .env("AWS_ENDPOINT_URL", env.require("AWS_ENDPOINT_URL").unwrap())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one file's life through every command"
)]
async fn import_export_render_and_decrypt() {
    let config = updraft_testkit::aws_config().await;
    let sdk = aws_sdk_kms::Client::new(&config);
    let (prod, dev) = (
        updraft_testkit::unique_name("prod"),
        updraft_testkit::unique_name("dev"),
    );
    for alias in [&prod, &dev] {
        let key = sdk.create_key().send().await.unwrap();
        let id = key.key_metadata().unwrap().key_id().to_owned();
        sdk.create_alias()
            .alias_name(format!("alias/{alias}"))
            .target_key_id(id)
            .send()
            .await
            .unwrap();
    }
    let dir = std::env::temp_dir().join(updraft_testkit::unique_name("cli"));
    std::fs::create_dir_all(&dir).unwrap();
    let open = format!(
        "stages:\n  prod: {{environment: prod, key: {prod}}}\n  /.*/: {{environment: dev, key: {dev}}}\nconfig:\n  service: orders\n  db:\n    password:\n      +prod: ':encrypt:prod-pw'\n      +/.*/: ':encrypt:dev-pw'\n"
    );
    text(&updraft(&dir, &["config", "import"], &open));
    let closed = std::fs::read_to_string(dir.join("config.yml")).unwrap();
    assert!(
        !closed.contains("prod-pw") && closed.contains("ENC[UPDRAFT1,"),
        "{closed}"
    );

    let exported = text(&updraft(&dir, &["config", "export"], ""));
    assert!(
        exported.contains(":encrypt:prod-pw") && exported.contains(":encrypt:dev-pw"),
        "{exported}"
    );
    let json = text(&updraft(&dir, &["config", "export", "--json"], ""));
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "{json}"
    );

    let yaml = text(&updraft(&dir, &["config", "render", "prod"], ""));
    assert!(yaml.contains("password: prod-pw"), "{yaml}");
    let dotenv = text(&updraft(
        &dir,
        &["config", "render", "qa", "--format", "dotenv"],
        "",
    ));
    assert!(
        dotenv.contains("DB_PASSWORD=\"dev-pw\"") && dotenv.contains("SERVICE=\"orders\""),
        "{dotenv}"
    );
    let sops = text(&updraft(
        &dir,
        &["config", "render", "prod", "--format", "sops"],
        "",
    ));
    assert!(
        !sops.contains("prod-pw") && sops.contains("AES256_GCM"),
        "{sops}"
    );
    std::fs::write(dir.join("prod.sops.yaml"), &sops).unwrap();
    let decrypted = text(&updraft(&dir, &["config", "decrypt", "prod.sops.yaml"], ""));
    assert!(decrypted.contains("password: prod-pw"), "{decrypted}");

    // Parameter Store: a dry run lists the names; a real run writes SecureStrings.
    let prefix = format!("/{}/prod", updraft_testkit::unique_name("svc"));
    let listed = text(&updraft(
        &dir,
        &[
            "config",
            "render",
            "prod",
            "--parameter-store",
            &prefix,
            "--dry-run",
        ],
        "",
    ));
    assert_eq!(listed, format!("{prefix}/service\n{prefix}/db/password\n"));
    let ssm = aws_sdk_ssm::Client::new(&config);
    assert!(
        ssm.get_parameter()
            .name(format!("{prefix}/service"))
            .send()
            .await
            .is_err(),
        "a dry run writes nothing"
    );
    text(&updraft(
        &dir,
        &["config", "render", "prod", "--parameter-store", &prefix],
        "",
    ));
    let stored = ssm
        .get_parameter()
        .name(format!("{prefix}/db/password"))
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    let parameter = stored.parameter().unwrap();
    assert_eq!(parameter.value(), Some("prod-pw"));
    assert_eq!(
        parameter.r#type(),
        Some(&aws_sdk_ssm::types::ParameterType::SecureString)
    );

    // Edit: a first edit that does not parse is offered again with its text; the second
    // parses and is imported; the private directory is gone afterwards.
    let log = dir.join("editor.log");
    let script = dir.join("editor.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nstat -c %a \"$(dirname \"$1\")\" >> {log}\necho \"$1\" >> {log}\nif grep -q 'broken' \"$1\"; then sed -i '/broken: /d; s/prod-pw/new-pw/' \"$1\"; else echo 'broken: [' >> \"$1\"; fi\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&script).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let editor = script.display().to_string();
    let edited = updraft(&dir, &["config", "edit", "--editor", &editor], "y\n");
    text(&edited);
    assert!(String::from_utf8_lossy(&edited.stderr).contains("does not parse"));
    let exported = text(&updraft(&dir, &["config", "export"], ""));
    assert!(
        exported.contains(":encrypt:new-pw") && !exported.contains("broken"),
        "{exported}"
    );
    let record = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = record.lines().collect();
    assert_eq!(lines[0], "700", "a private directory");
    assert!(!Path::new(lines[1]).exists(), "the temp file is removed");

    let closed = std::fs::read_to_string(dir.join("config.yml")).unwrap();
    // Malformed input: a clear error, exit 78 (configuration), and the closed file untouched.
    let broken = updraft(
        &dir,
        &["config", "import"],
        "stages: {prod: {key: k}}\nconfig: {a: {+qa: 1}}\n",
    );
    assert_eq!(broken.status.code(), Some(78));
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(
        message.contains("config.a.+qa: no stage definition"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("config.yml")).unwrap(),
        closed
    );
    let missing = updraft(
        &dir,
        &["config", "--config", "other.yml", "render", "prod"],
        "",
    );
    assert_eq!(missing.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("other.yml"));
    std::fs::remove_dir_all(&dir).unwrap();
}
