//! Every HTTP request fixture that `aws_lambda_events` and `lambda_http` publish goes through
//! the router, and what the handler sees is compared with what `lambda_http` makes of the same
//! event (the oracle): method, path under Updraft's stage rule, query pairs, headers, cookies
//! and body bytes. Every difference is in `KNOWN` with its reason, as the contexts README's
//! table lists them; a new one, or one that went away, fails the test.
//!
//! The fixtures are found in the local registry through `cargo metadata`, so a dependency
//! update that adds fixtures adds them here by itself. A fixture is an HTTP request event when
//! it is in `lambda_http`'s `tests/data`, or when its name in `aws_lambda_events`'
//! `src/fixtures` names a request of an HTTP source (`alb`, `apigw`, `vpc-lattice`) and is not
//! an authorizer's or a WebSocket event.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::routing::any;
use base64::Engine as _;
use serde_json::{Value, json};
use updraft_contexts::http::App;
use updraft_contexts::http::testing::invoke;

/// The differences from the oracle, by fixture and field, with the reason (the README's table).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "apigw_v2_sam_local.json",
        "headers",
        "an empty `cookies` list: lambda_http adds an empty `cookie` header, Updraft adds none",
    ),
    (
        "example-apigw-sam-http-request.json",
        "headers",
        "an empty `cookies` list: lambda_http adds an empty `cookie` header, Updraft adds none",
    ),
    (
        "example-apigw-console-request.json",
        "oracle",
        "lambda_http panics: its `Host` (`….execute-api.{dns_suffix}`) makes no URI; Updraft does not build one from `Host`",
    ),
    (
        "example-vpc-lattice-v1-request.json",
        "oracle",
        "lambda_http does not decode VPC Lattice's version 1 events; Updraft does",
    ),
];

async fn echo(request: Request) -> axum::Json<Value> {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    axum::Json(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": query_pairs(parts.uri.query()),
        "headers": header_pairs(&parts.headers),
        "body": base64::engine::general_purpose::STANDARD.encode(&bytes),
    }))
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// The host's target triple, so that `cargo metadata` needs no other platform's crates (a
/// fresh machine has downloaded only the host's).
fn host() -> String {
    let output = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .unwrap()
        .to_owned()
}

/// The directories of the two crates' fixtures, from `cargo metadata`.
fn fixture_dirs() -> Vec<PathBuf> {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
        ])
        .arg(host())
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut dirs = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        let root = Path::new(package["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        match package["name"].as_str().unwrap() {
            "aws_lambda_events" => dirs.push(root.join("src/fixtures")),
            "lambda_http" => dirs.push(root.join("tests/data")),
            _ => {}
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Whether the fixture `name` in `dir` is an HTTP request event (see the module docs).
fn is_http_request(dir: &Path, name: &str) -> bool {
    if Path::new(name).extension().and_then(|e| e.to_str()) != Some("json") {
        return false;
    }
    if dir.ends_with("tests/data") {
        return true;
    }
    let source = ["-alb-", "-apigw-", "-vpc-lattice-"]
        .iter()
        .any(|s| name.contains(s));
    let excluded = ["custom-auth", "custom-authorizer", "websocket", "response"]
        .iter()
        .any(|s| name.contains(s));
    source && name.contains("request") && !excluded
}

fn fixtures() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for dir in fixture_dirs() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if is_http_request(&dir, &name) {
                all.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    all.sort();
    all
}

/// What `lambda_http` makes of the event, in the echo's shape, with the path under Updraft's
/// stage rule; `None` when it cannot decode the event (or panics on it).
fn oracle(text: &str) -> Option<Value> {
    let request = std::panic::catch_unwind(|| lambda_http_from_str(text))
        .ok()
        .flatten()?;
    let event: Value = serde_json::from_str(text).unwrap();
    let mut path = request.uri().path().to_owned();
    // lambda_http puts a named stage in front of every API Gateway path; Updraft's rule keeps
    // `path` (REST) and strips `/<stage>` from `rawPath` only on the execute-api domain.
    if let Some(stage) = event["requestContext"]["stage"]
        .as_str()
        .filter(|s| *s != "$default" && !s.is_empty())
    {
        let with_stage = event["rawPath"].as_str().is_some_and(|raw| {
            raw == format!("/{stage}") || raw.starts_with(&format!("/{stage}/"))
        });
        let execute_api = event["requestContext"]["domainName"]
            .as_str()
            .is_some_and(|d| d.contains(".execute-api.") && d.ends_with(".amazonaws.com"));
        let keeps_stage = with_stage && !execute_api;
        if !keeps_stage && let Some(rest) = path.strip_prefix(&format!("/{stage}")) {
            path = if rest.is_empty() {
                "/".to_owned()
            } else {
                rest.to_owned()
            };
        }
    }
    Some(json!({
        "method": request.method().as_str(),
        "path": path,
        "query": query_pairs(request.uri().query()),
        "headers": header_pairs(request.headers()),
        "body": base64::engine::general_purpose::STANDARD.encode(request.body().as_ref() as &[u8]),
    }))
}

fn lambda_http_from_str(text: &str) -> Option<updraft_contexts::lambda_http::Request> {
    updraft_contexts::lambda_http::request::from_str(text).ok()
}

#[tokio::test]
async fn every_peer_fixture_is_answered_and_matches_the_oracle() {
    let app = App::new(
        Router::new()
            .route("/", any(echo))
            .route("/{*rest}", any(echo)),
    )
    .env(updraft_core::Env::default())
    .into_lambda_service()
    .unwrap();
    let fixtures = fixtures();
    // 37 with aws_lambda_events 1.2 and lambda_http 1.3; more after an update that adds some.
    assert!(fixtures.len() >= 37, "found {} fixtures", fixtures.len());
    let mut differences = BTreeSet::new();
    let mut unanswered = Vec::new();
    for (name, text) in &fixtures {
        let response = match invoke(&app, text.as_bytes()).await {
            Ok(response) => response,
            Err(e) => {
                unanswered.push(format!("{name}: {e:?}"));
                continue;
            }
        };
        if response["statusCode"] != 200 {
            unanswered.push(format!("{name}: {response}"));
            continue;
        }
        let seen: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        let Some(expected) = oracle(text) else {
            differences.insert((name.clone(), "oracle".to_owned()));
            continue;
        };
        for field in ["method", "path", "query", "headers", "body"] {
            if seen[field] != expected[field] {
                eprintln!(
                    "{name} {field}:\n  updraft:     {}\n  lambda_http: {}",
                    seen[field], expected[field]
                );
                differences.insert((name.clone(), field.to_owned()));
            }
        }
    }
    assert!(unanswered.is_empty(), "not answered: {unanswered:#?}");
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(name, field, _)| ((*name).to_owned(), (*field).to_owned()))
        .collect();
    assert_eq!(
        differences, known,
        "the differences from lambda_http changed"
    );
}
