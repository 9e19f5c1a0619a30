//! `updraft config` end to end against moto's KMS: import, export, render in every format,
//! `decrypt` of the SOPS file `render --format sops` wrote, a file fleece closed, and each
//! stage's environment as its AWS profile with fleece's `environments.yml` checked.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output};

fn updraft(dir: &Path, args: &[&str], stdin: &str) -> Output {
    updraft_with(dir, args, stdin, &[])
}

/// `updraft ARGS` in `dir` with moto's default account as the default chain, and `extra`
/// variables (such as `AWS_CONFIG_FILE`).
fn updraft_with(dir: &Path, args: &[&str], stdin: &str, extra: &[(&str, &str)]) -> Output {
    let env = updraft_testkit::servers_env();
    updraft_testkit::output_with_stdin(
        Command::new(updraft_testkit::workspace_binary("updraft"))
            .current_dir(dir)
            .env_clear()
            .envs(env.added())
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .envs(extra.iter().copied())
            .args(args),
        stdin,
    )
}

fn text(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A new KMS key under `alias/<alias>` with `config`'s credentials: its ARN.
async fn key_with_alias(config: &updraft_core::SdkConfig, alias: &str) -> String {
    let sdk = aws_sdk_kms::Client::new(config);
    let key = sdk.create_key().send().await.unwrap();
    let metadata = key.key_metadata().unwrap();
    sdk.create_alias()
        .alias_name(format!("alias/{alias}"))
        .target_key_id(metadata.key_id())
        .send()
        .await
        .unwrap();
    metadata.arn().unwrap().to_owned()
}

fn temp_dir(prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(updraft_testkit::unique_name(prefix));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one file's life through every command"
)]
async fn import_export_render_and_decrypt() {
    let config = updraft_testkit::aws_config().await;
    let (prod, dev) = (
        updraft_testkit::unique_name("prod"),
        updraft_testkit::unique_name("dev"),
    );
    for alias in [&prod, &dev] {
        key_with_alias(&config, alias).await;
    }
    let dir = temp_dir("cli");
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
    // Malformed input: a clear error naming the place, exit 78 (configuration) or the KMS
    // error's own code, and the closed file untouched.
    let no_such_key = updraft_testkit::unique_name("missing");
    for (input, code, expected) in [
        (
            "stages: {prod: {key: k}}\nconfig: {a: {+qa: 1}}\n".to_owned(),
            78,
            "config.a.+qa: no stage definition".to_owned(),
        ),
        (
            "stages: {prod: {key: k}}\nconfig: [\n".to_owned(),
            78,
            "not YAML or JSON".to_owned(),
        ),
        (
            "stages: {/(/: {key: k}}\nconfig: {}\n".to_owned(),
            78,
            "stages./(/: the regular expression does not compile".to_owned(),
        ),
        (
            "stages: {prod: {environment: prod}}\nconfig: {}\n".to_owned(),
            78,
            "stages.prod.key: missing: every stage needs its KMS key".to_owned(),
        ),
        (
            format!("stages: {{prod: {{key: {no_such_key}}}}}\nconfig: {{a: 1}}\n"),
            78,
            "KMS refused the data key of `prod`".to_owned(),
        ),
    ] {
        let broken = updraft(&dir, &["config", "import"], &input);
        let message = String::from_utf8_lossy(&broken.stderr);
        assert_eq!(broken.status.code(), Some(code), "{input}: {message}");
        assert!(message.contains(&expected), "{input}: {message}");
        assert_eq!(
            std::fs::read_to_string(dir.join("config.yml")).unwrap(),
            closed,
            "{input}"
        );
    }
    let missing = updraft(
        &dir,
        &["config", "--config", "other.yml", "render", "prod"],
        "",
    );
    assert_eq!(missing.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("other.yml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// fleece's closed form, written the way fleece writes it: a direct KMS `Encrypt` of each
/// value, base64, behind `:decrypt:`.
async fn fleece_value(config: &updraft_core::SdkConfig, alias: &str, text: &str) -> String {
    use base64::Engine as _;
    let encrypted = aws_sdk_kms::Client::new(config)
        .encrypt()
        .key_id(format!("alias/{alias}"))
        .plaintext(aws_sdk_kms::primitives::Blob::new(text))
        .send()
        .await
        .unwrap();
    let blob = encrypted.ciphertext_blob().unwrap().as_ref();
    format!(
        ":decrypt:{}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

#[tokio::test]
async fn a_file_fleece_closed_is_exported_rendered_and_imported_in_the_new_form() {
    let config = updraft_testkit::aws_config().await;
    let (prod, dev) = (
        updraft_testkit::unique_name("fprod"),
        updraft_testkit::unique_name("fdev"),
    );
    key_with_alias(&config, &prod).await;
    key_with_alias(&config, &dev).await;
    let dir = temp_dir("fleece");
    let closed_by_fleece = format!(
        "stages:\n  prod: {{environment: prod, key: {prod}}}\n  /.*/: {{environment: dev, key: {dev}}}\nconfig:\n  service: orders\n  password:\n    +prod: '{}'\n    +/.*/: '{}'\n",
        fleece_value(&config, &prod, "fleece-prod-pw").await,
        fleece_value(&config, &dev, "fleece-dev-pw").await,
    );
    std::fs::write(dir.join("config.yml"), &closed_by_fleece).unwrap();

    let exported = text(&updraft(&dir, &["config", "export"], ""));
    assert!(
        exported.contains(":encrypt:fleece-prod-pw") && exported.contains(":encrypt:fleece-dev-pw"),
        "{exported}"
    );
    let rendered = text(&updraft(&dir, &["config", "render", "qa", "--json"], ""));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&rendered).unwrap(),
        serde_json::json!({"service": "orders", "password": "fleece-dev-pw"})
    );

    // Importing the fleece file rewrites it in the updraft form, which renders the same.
    text(&updraft(
        &dir,
        &["config", "import", "--input", "config.yml"],
        "",
    ));
    let closed = std::fs::read_to_string(dir.join("config.yml")).unwrap();
    assert!(
        !closed.contains(":decrypt:") && closed.contains("ENC[UPDRAFT1,"),
        "{closed}"
    );
    let rendered = text(&updraft(&dir, &["config", "render", "prod"], ""));
    assert!(rendered.contains("password: fleece-prod-pw"), "{rendered}");

    // A fleece value that is not base64 names its path and the file.
    std::fs::write(
        dir.join("broken.yml"),
        closed_by_fleece.replace(":decrypt:", ":decrypt:%%"),
    )
    .unwrap();
    let broken = updraft(&dir, &["config", "-c", "broken.yml", "render", "prod"], "");
    assert_eq!(broken.status.code(), Some(78));
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(
        message.contains("broken.yml: config.password.+prod: a :decrypt: value is not base64"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Credentials of moto account `account` (moto maps an assumed role's keys to the role's
/// account).
async fn account_credentials(account: &str) -> aws_sdk_sts::types::Credentials {
    let config = updraft_testkit::aws_config().await;
    aws_sdk_sts::Client::new(&config)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/updraft-config"))
        .role_session_name("updraft-test")
        .send()
        .await
        .unwrap()
        .credentials()
        .unwrap()
        .clone()
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one scenario: profiles, then each environments.yml rule"
)]
async fn each_stage_uses_its_environments_profile_and_account() {
    const PROD_ACCOUNT: &str = "222233334444";
    let credentials = account_credentials(PROD_ACCOUNT).await;
    let prod_config = updraft_core::aws::ConfigLoader::new()
        .env(updraft_testkit::servers_env())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            None,
            "test",
        ))
        .load()
        .await
        .unwrap();
    let (prod, dev) = (
        updraft_testkit::unique_name("eprod"),
        updraft_testkit::unique_name("edev"),
    );
    // The prod key exists only in the prod account; the dev key in the default one.
    let prod_arn = key_with_alias(&prod_config, &prod).await;
    assert!(prod_arn.contains(PROD_ACCOUNT), "{prod_arn}");
    let dev_arn = key_with_alias(&updraft_testkit::aws_config().await, &dev).await;
    let default_account = dev_arn.split(':').nth(4).unwrap().to_owned();

    let dir = temp_dir("profiles");
    let aws_config = dir.join("aws-config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile prod]\nregion = us-east-1\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            credentials.access_key_id(),
            credentials.secret_access_key(),
            credentials.session_token()
        ),
    )
    .unwrap();
    let aws_config = aws_config.display().to_string();
    let with_profile = [("AWS_CONFIG_FILE", aws_config.as_str())];
    let open = format!(
        "stages:\n  prod: {{environment: prod, key: {prod}}}\n  /.*/: {{environment: dev, key: {dev}}}\nconfig:\n  password:\n    +prod: ':encrypt:prod-pw'\n    +/.*/: ':encrypt:dev-pw'\n"
    );

    // Without the profile, prod's key is looked up in the default account and not found: the
    // import fails and writes nothing.
    let failed = updraft(&dir, &["config", "import"], &open);
    assert!(!failed.status.success());
    assert!(!dir.join("config.yml").exists());

    // With it, prod's calls go to the prod account, dev's to the default chain.
    text(&updraft_with(
        &dir,
        &["config", "import"],
        &open,
        &with_profile,
    ));
    let rendered = text(&updraft_with(
        &dir,
        &["config", "render", "prod"],
        "",
        &with_profile,
    ));
    assert!(rendered.contains("password: prod-pw"), "{rendered}");
    let rendered = text(&updraft_with(
        &dir,
        &["config", "render", "dev-1"],
        "",
        &with_profile,
    ));
    assert!(rendered.contains("password: dev-pw"), "{rendered}");

    // A SOPS file of prod names the profile its data key was made with, and decrypt uses it
    // (the default chain's account does not hold prod's key).
    let sops = text(&updraft_with(
        &dir,
        &["config", "render", "prod", "--format", "sops"],
        "",
        &with_profile,
    ));
    assert!(sops.contains("aws_profile: prod"), "{sops}");
    std::fs::write(dir.join("prod.sops.yaml"), &sops).unwrap();
    let decrypted = text(&updraft_with(
        &dir,
        &["config", "decrypt", "prod.sops.yaml"],
        "",
        &with_profile,
    ));
    assert!(decrypted.contains("password: prod-pw"), "{decrypted}");
    let without = updraft(&dir, &["config", "decrypt", "prod.sops.yaml"], "");
    assert!(!without.status.success(), "the profile is what opens it");

    // environments.yml that matches: every command works.
    let environments = format!(
        "- name: prod\n  account: '{PROD_ACCOUNT}'\n  role: LambdaDeployRole\n- name: dev\n  account: '{default_account}'\n"
    );
    std::fs::write(dir.join("environments.yml"), &environments).unwrap();
    text(&updraft_with(
        &dir,
        &["config", "export"],
        "",
        &with_profile,
    ));
    let closed = std::fs::read_to_string(dir.join("config.yml")).unwrap();

    // A key in another account than environments.yml says: exit 78 naming the stage, its
    // environment and both accounts; the closed file untouched.
    std::fs::write(
        dir.join("environments.yml"),
        environments.replace(PROD_ACCOUNT, "999999999999"),
    )
    .unwrap();
    let refused = updraft_with(&dir, &["config", "import"], &open, &with_profile);
    assert_eq!(refused.status.code(), Some(78));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("stage `prod` (environment `prod`)")
            && message.contains(PROD_ACCOUNT)
            && message.contains("999999999999"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("config.yml")).unwrap(),
        closed
    );
    let refused = updraft_with(&dir, &["config", "render", "prod"], "", &with_profile);
    assert_eq!(refused.status.code(), Some(78));

    // An environment missing from the file, named with --environments.
    std::fs::write(
        dir.join("only-prod.yml"),
        format!("- name: prod\n  account: '{PROD_ACCOUNT}'\n"),
    )
    .unwrap();
    let refused = updraft_with(
        &dir,
        &["config", "--environments", "only-prod.yml", "render", "qa"],
        "",
        &with_profile,
    );
    assert_eq!(refused.status.code(), Some(78));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("environment `dev`") && message.contains("not in environments.yml"),
        "{message}"
    );
    // A malformed environments file names itself; a missing one given by flag is an error.
    std::fs::write(dir.join("bad.yml"), "- name: dev\n  account: 123\n").unwrap();
    for (file, expected) in [
        (
            "bad.yml",
            "bad.yml: environments.dev: the account is a number",
        ),
        ("missing.yml", "missing.yml"),
    ] {
        let refused = updraft_with(
            &dir,
            &["config", "--environments", file, "export"],
            "",
            &with_profile,
        );
        assert!(!refused.status.success());
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(message.contains(expected), "{message}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_lists_examples_and_exit_codes() {
    let dir = std::env::temp_dir();
    let help = text(&updraft(&dir, &["config", "--help"], ""));
    assert!(
        help.contains("Examples:") && help.contains("updraft config render prod --format dotenv"),
        "{help}"
    );
    assert!(
        help.contains("Exit codes:")
            || text(&updraft(&dir, &["--help"], "")).contains("Exit codes:"),
        "{help}"
    );
}
