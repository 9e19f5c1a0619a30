//! The example against the PostgreSQL xtask starts with TLS: IAM login, a visit, a refresh, and
//! the errors a service sees when its configuration is wrong.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::{Command, Output};

use example_rds_iam::STAND_IN;
use updraft::testing::{servers_env, unique_name};

/// Runs the binary with the local servers' environment, the database variables for `role`,
/// and `extra` on top (an empty value removes the variable).
fn run(role: &str, extra: &[(&str, &str)]) -> Output {
    let env = servers_env();
    let admin = env.require("DATABASE_URL").unwrap();
    let port = admin.rsplit_once(':').unwrap().1.split('/').next().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_rds-iam"));
    command
        .envs(env.added())
        .env("db_endpoint", format!("127.0.0.1:{port}"))
        .env("db_username", role)
        .env("db_database", "postgres")
        .env(
            "ssl_ca_bundle_filename",
            env.require("UPDRAFT_PG_CA_CERT").unwrap(),
        )
        .env(STAND_IN, admin);
    for (name, value) in extra {
        if value.is_empty() {
            command.env_remove(name);
        } else {
            command.env(name, value);
        }
    }
    command.output().unwrap()
}

fn role() -> String {
    unique_name("example_rds").replace('-', "_")
}

#[test]
fn logs_in_with_a_token_over_verified_tls_and_refreshes() {
    let role = role();
    let output = run(&role, &[]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("by {role} over TLSv1.")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "token refreshed (1 refresh); a new connection logs in as {role}"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("X-Amz-Signature"), "{stdout}");
}

#[test]
fn configuration_errors_name_the_variable_and_the_path() {
    let role = role();
    for (extra, expected) in [
        (vec![("db_endpoint", "")], "the variable db_endpoint"),
        (vec![("db_endpoint", "127.0.0.1:99999")], "db_endpoint"),
        (
            vec![("db_engine", "oracle")],
            "db_engine: unknown database engine `oracle`",
        ),
        (
            vec![("ssl_ca_bundle_filename", "/nonexistent/ca.pem")],
            "/nonexistent/ca.pem",
        ),
        (vec![("db_token_refresh", "20m")], "db_token_refresh"),
    ] {
        let output = run(&role, &extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{extra:?} ran");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
    }
}
