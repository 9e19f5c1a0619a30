//! The demo's `openapi-pets` step: the spec-first pet store served locally, each call's answer
//! shown, then the same binary with a tighter spec in `PETS_SPEC`.

use std::process::Command;
use std::time::Duration;

use super::Call;
use crate::Result;
use crate::process::free_port;
use crate::servers::Layout;

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

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
        ("POST", "/pets", JSON, r#"{"name": "Rex", "tag": "dog"}"#),
        ("POST", "/pets", JSON, r#"{"name": "Bartholomew"}"#),
        ("GET", "/pets?limit=10", &[], ""),
        ("GET", "/pets/1", &[], ""),
        ("GET", "/pets?limit=0", &[], ""),
        ("POST", "/pets", JSON, r#"{"name": "", "owner": "ann"}"#),
        ("GET", "/pets/seven", &[], ""),
        ("DELETE", "/pets/1", &[], ""),
        ("GET", "/pets/42", &[], ""),
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
        &[("POST", "/pets", JSON, r#"{"name": "Bartholomew"}"#)],
    )
}

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
    let outcome = super::show_calls(port, calls);
    server.stop(Duration::from_secs(5));
    outcome
}
