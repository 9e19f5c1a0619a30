//! The demo's `openapi-pets` step: the spec-first pet store served locally, each call's answer
//! shown, then the same binary with a tighter spec in `PETS_SPEC`.

use std::process::Command;
use std::time::Duration;

use crate::process::{free_port, http};
use crate::servers::Layout;
use crate::{Result, fail};

/// A method, a path and a body.
type Call<'a> = (&'a str, &'a str, &'a str);

#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
pub(super) fn openapi_pets(layout: &Layout) -> Result<()> {
    let binaries = super::build(layout, &["example-openapi-pets"])?;
    let logs = layout.servers.join("logs");
    std::fs::create_dir_all(&logs)?;
    let port = free_port()?;
    println!(
        "\n20. OpenAPI, spec first: examples/openapi-pets on 127.0.0.1:{port}, every request checked against pets.yaml"
    );
    let calls: [Call<'_>; 9] = [
        ("POST", "/pets", r#"{"name": "Rex", "tag": "dog"}"#),
        ("POST", "/pets", r#"{"name": "Bartholomew"}"#),
        ("GET", "/pets?limit=10", ""),
        ("GET", "/pets/1", ""),
        ("GET", "/pets?limit=0", ""),
        ("POST", "/pets", r#"{"name": "", "owner": "ann"}"#),
        ("GET", "/pets/seven", ""),
        ("DELETE", "/pets/1", ""),
        ("GET", "/pets/42", ""),
    ];
    serve(&binaries, port, &logs, None, &calls)?;
    let tighter = layout.servers.join("pets-tighter.yaml");
    let spec = std::fs::read_to_string(layout.root.join("examples/openapi-pets/pets.yaml"))?
        .replace("minLength: 1, maxLength: 64", "minLength: 1, maxLength: 8");
    std::fs::write(&tighter, spec)?;
    let port = free_port()?;
    println!(
        "   the same binary with PETS_SPEC={} (names at most 8 characters), no code changed:",
        tighter.display()
    );
    serve(
        &binaries,
        port,
        &logs,
        Some(&tighter),
        &[("POST", "/pets", r#"{"name": "Bartholomew"}"#)],
    )
}

#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn serve(
    binaries: &std::path::Path,
    port: u16,
    logs: &std::path::Path,
    spec: Option<&std::path::Path>,
    calls: &[Call<'_>],
) -> Result<()> {
    let mut command = Command::new(binaries.join("openapi-pets"));
    command
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .env_remove("PETS_SPEC");
    if let Some(spec) = spec {
        command.env("PETS_SPEC", spec);
    }
    let server = super::start_listening(
        "openapi-pets",
        command,
        &logs.join("openapi-pets.log"),
        port,
        Duration::from_secs(30),
    )?;
    let outcome = calls.iter().try_for_each(|(method, path, body)| {
        let headers: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("content-type", "application/json")]
        };
        let (status, answer) = http(port, method, path, headers, body)
            .ok_or_else(|| fail(format!("{method} {path}: no answer")))?;
        let sent = if body.is_empty() {
            String::new()
        } else {
            format!(" {body}")
        };
        println!(
            "   {method:<6} {path:<16}{sent}\n        -> {status} {}",
            answer.trim()
        );
        Ok(())
    });
    server.stop(Duration::from_secs(5));
    outcome
}
