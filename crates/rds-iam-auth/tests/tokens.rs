//! Tokens equal botocore's `generate_db_auth_token`, byte for byte, for the vectors in
//! `vectors/botocore.json` (computed with botocore by `vectors/generate.py`).
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::SystemTime;

use aws_smithy_types::date_time::{DateTime, Format};
use serde::Deserialize;
use updraft_core::Env;
use updraft_core::aws::{ConfigLoader, Credentials};
use updraft_rds_iam_auth::{Clock, TokenGenerator};

#[derive(Debug, Deserialize, PartialEq)]
struct Vectors {
    botocore: String,
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Vector {
    name: String,
    host: String,
    port: u16,
    user: String,
    region: String,
    time: String,
    session_token: Option<String>,
    access_key: String,
    secret_key: String,
    token: String,
}

const VECTORS: &str = include_str!("vectors/botocore.json");

fn instant(text: &str) -> SystemTime {
    SystemTime::try_from(DateTime::from_str(text, Format::DateTime).unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_match_botocore_byte_for_byte() {
    let vectors: Vectors = serde_json::from_str(VECTORS).unwrap();
    assert!(vectors.vectors.len() >= 6);
    for vector in &vectors.vectors {
        let credentials = Credentials::new(
            &vector.access_key,
            &vector.secret_key,
            vector.session_token.clone(),
            None,
            "vectors",
        );
        let config = ConfigLoader::new()
            .env(Env::from_pairs([("AWS_REGION", "us-east-1")]))
            .credentials_provider(credentials)
            .load()
            .await
            .unwrap();
        let clock = Clock::fixed(instant(&vector.time));
        let generator = TokenGenerator::new(&vector.host, vector.port, &vector.user)
            .region(&vector.region)
            .clock(clock);
        let token = generator.generate(&config).await.unwrap();
        assert_eq!(token.expose(), vector.token, "{}", vector.name);
        assert_eq!(token.signed_at(), instant(&vector.time));
    }
}

#[tokio::test]
async fn the_region_comes_from_the_configuration_and_credentials_are_required() {
    let vectors: Vectors = serde_json::from_str(VECTORS).unwrap();
    let plain = &vectors.vectors[0];
    let credentials = Credentials::new(&plain.access_key, &plain.secret_key, None, None, "vectors");
    let config = ConfigLoader::new()
        .env(Env::from_pairs([("AWS_REGION", plain.region.as_str())]))
        .credentials_provider(credentials)
        .load()
        .await
        .unwrap();
    let token = TokenGenerator::new(&plain.host, plain.port, &plain.user)
        .clock(Clock::fixed(instant(&plain.time)))
        .generate(&config)
        .await
        .unwrap();
    assert_eq!(token.expose(), plain.token);
    assert!(
        !format!("{token:?} {token}").contains("X-Amz-Signature"),
        "tokens print redacted"
    );

    let anonymous = updraft_core::SdkConfig::builder()
        .region(updraft_core::aws::Region::new("us-east-1"))
        .build();
    let error = TokenGenerator::new("h", 5432, "u")
        .generate(&anonymous)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("credentials"), "{error}");
}

/// The committed vectors are what botocore computes: re-run the generator with the Python of
/// the local servers' virtualenv (which has botocore) and compare.
#[test]
fn the_vectors_are_botocores() {
    let env = updraft_testkit::servers_env();
    let moto = env.require(updraft_testkit::MOTO_SERVER_VAR).unwrap();
    let python = std::path::Path::new(moto).with_file_name("python3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/generate.py");
    let output = std::process::Command::new(&python)
        .arg(script)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fresh: Vectors = serde_json::from_slice(&output.stdout).unwrap();
    let committed: Vectors = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(
        fresh.vectors, committed.vectors,
        "regenerate with tests/vectors/generate.py (botocore {})",
        fresh.botocore
    );
}

/// The `token` example, run as the issue says: the token alone on stdout, bad flags refused.
#[test]
fn the_token_example_prints_the_token_alone() {
    let vectors: Vectors = serde_json::from_str(VECTORS).unwrap();
    let vector = vectors
        .vectors
        .iter()
        .find(|v| v.session_token.is_some())
        .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO"))
            .args([
                "run",
                "-q",
                "-p",
                "updraft-rds-iam-auth",
                "--example",
                "token",
                "--",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", &vector.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &vector.secret_key)
            .env(
                "AWS_SESSION_TOKEN",
                vector.session_token.as_deref().unwrap(),
            )
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let port = vector.port.to_string();
    let output = run(&[
        "--hostname",
        &vector.host,
        "--port",
        &port,
        "--username",
        &vector.user,
        "--region",
        &vector.region,
        "--signing-time",
        &vector.time,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("{}\n", vector.token)
    );
    for bad in [
        &["--port", "x"][..],
        &["--hostname"][..],
        &["--hostname", "h", "--port", "1", "--username", "u"][..],
        &["--what", "x"][..],
        &[
            "--hostname",
            "h",
            "--port",
            "1",
            "--username",
            "u",
            "--region",
            "r",
            "--signing-time",
            "yesterday",
        ][..],
    ] {
        let output = run(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(output.stdout.is_empty());
    }
}

/// A credentials provider that fails as `failure` says.
#[derive(Debug)]
struct Failing(fn() -> updraft_core::aws::CredentialsError);

impl updraft_core::aws::ProvideCredentials for Failing {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err((self.0)()))
    }
}

#[tokio::test]
async fn a_token_that_cannot_be_signed_is_a_503_or_a_500_never_a_401() {
    use updraft_core::error::Surface;
    let generator = TokenGenerator::new("db.example.internal", 5432, "app");
    for (failure, status) in [
        (
            (|| {
                updraft_core::aws::CredentialsError::provider_timed_out(
                    std::time::Duration::from_secs(5),
                )
            }) as fn() -> updraft_core::aws::CredentialsError,
            503,
        ),
        (
            || updraft_core::aws::CredentialsError::not_loaded("no credentials in this process"),
            500,
        ),
    ] {
        let config = ConfigLoader::new()
            .env(Env::from_pairs([("AWS_REGION", "eu-west-1")]))
            .credentials_provider(Failing(failure))
            .load()
            .await
            .unwrap();
        let error = generator.generate(&config).await.unwrap_err();
        assert_eq!(error.kind().http_status(), status, "{error:?}");
        assert!(
            std::error::Error::source(&error).is_some(),
            "the cause is kept"
        );
    }
    let no_region = ConfigLoader::new()
        .env(Env::from_pairs([
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "b"),
        ]))
        .region("eu-west-1")
        .load()
        .await
        .unwrap()
        .to_builder()
        .region(None)
        .build();
    let error = generator.generate(&no_region).await.unwrap_err();
    assert_eq!(error.kind().http_status(), 500, "{error}");
}
