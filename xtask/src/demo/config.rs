//! The demo's encrypted-configuration step: KMS keys made on moto, `examples/config-crypto`'s
//! open form imported with the `updraft` CLI, rendered, and loaded by the function at cold
//! start.

use std::process::Command;

use crate::process::http;
use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Makes `alias/<alias>` on moto's KMS unless it exists (unsigned calls, which moto accepts).
fn key(moto: u16, alias: &str) -> Result<()> {
    let kms = |action: &str, body: &str| {
        let target = format!("TrentService.{action}");
        let headers = [
            ("X-Amz-Target", target.as_str()),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Authorization", &super::unsigned("kms")),
        ];
        http(moto, "POST", "/", &headers, body)
    };
    let listed = kms("ListAliases", "{}").ok_or_else(|| fail("moto's KMS does not answer"))?;
    if listed.1.contains(&format!("\"alias/{alias}\"")) {
        return Ok(());
    }
    let created = match kms("CreateKey", "{}") {
        Some((200, body)) => body,
        other => return Err(fail(format!("moto's KMS CreateKey: {other:?}"))),
    };
    let id = created
        .split("\"KeyId\": \"")
        .nth(1)
        .or_else(|| created.split("\"KeyId\":\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| fail(format!("no KeyId in {created}")))?;
    match kms(
        "CreateAlias",
        &format!(r#"{{"AliasName": "alias/{alias}", "TargetKeyId": "{id}"}}"#),
    ) {
        Some((200, _)) => Ok(()),
        other => Err(fail(format!("moto's KMS CreateAlias: {other:?}"))),
    }
}

/// Imports, renders and loads `examples/config-crypto`'s configuration.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn config_crypto(layout: &Layout, servers: &Guard) -> Result<()> {
    println!(
        "\n18. config-crypto: the updraft CLI closes examples/config-crypto/open.yml; the function loads its stage at cold start"
    );
    let moto = servers
        .vars
        .iter()
        .find(|(k, _)| k == "MOTO_URL")
        .and_then(|(_, url)| url.rsplit(':').next()?.parse::<u16>().ok())
        .ok_or_else(|| fail("the servers' env has no MOTO_URL"))?;
    key(moto, "example-prod")?;
    key(moto, "example-dev")?;
    let binaries = super::build(layout, &["updraft-cli", "example-config-crypto"])?;
    let dir = layout.servers.join("demo-config");
    std::fs::create_dir_all(&dir)?;
    let closed = dir.join("config.yml");
    let updraft = |args: &[&str]| -> Result<String> {
        let output = Command::new(binaries.join("updraft"))
            .arg("config")
            .arg("--config")
            .arg(&closed)
            .args(args)
            .envs(servers.vars.iter().map(|(k, v)| (k, v)))
            .output()?;
        if !output.status.success() {
            return Err(fail(format!(
                "updraft config {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let open = layout.root.join("examples/config-crypto/open.yml");
    updraft(&["import", "--input", &open.display().to_string()])?;
    let text = std::fs::read_to_string(&closed)?;
    println!("   updraft config import --input examples/config-crypto/open.yml");
    for line in text
        .lines()
        .filter(|l| l.contains("ENC[") || l.contains("mac:"))
    {
        println!("        {}", line.trim());
    }
    println!("   updraft config render qa --format dotenv");
    for line in updraft(&["render", "qa", "--format", "dotenv"])?.lines() {
        println!("        {line}");
    }
    let vars: Vec<(String, String)> = servers
        .vars
        .iter()
        .cloned()
        .chain([
            ("UPDRAFT_STAGE".to_owned(), "prod".to_owned()),
            (
                "UPDRAFT_CONFIG_FILE".to_owned(),
                closed.display().to_string(),
            ),
            ("RUST_LOG".to_owned(), "off".to_owned()),
        ])
        .collect();
    let answer = super::run_with_stdin(&binaries.join("config-crypto"), "{}", &vars)?;
    println!(
        "   the function, UPDRAFT_STAGE=prod, invoked with {{}}\n        -> {}",
        answer.trim()
    );
    if !answer.contains("db.prod.internal") {
        return Err(fail(format!("examples/config-crypto answered {answer}")));
    }
    Ok(())
}
