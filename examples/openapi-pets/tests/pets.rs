//! The `openapi-pets` binary, served locally and under cargo-lambda's Lambda emulator: the
//! three operations, the checks of the spec it loaded (the bundled one, or `PETS_SPEC`'s), the
//! spec at `/openapi.json`, and clear errors for a spec it cannot use.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use updraft::contexts::http::testing::Event;
use updraft::core::Env;
use updraft::testing::{
    ChildGuard, Emulator, Reply, free_port, openapi_snapshot, request, wait_for_port,
};

struct Server {
    address: SocketAddr,
    _process: ChildGuard,
}

async fn start(spec: Option<&std::path::Path>) -> Server {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_openapi-pets"));
    command
        .env_remove("PETS_SPEC")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .stdout(Stdio::null());
    if let Some(spec) = spec {
        command.env("PETS_SPEC", spec);
    }
    let process = ChildGuard::spawn("openapi-pets", &mut command);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        wait_for_port(address, Duration::from_secs(60)).await,
        "openapi-pets did not start"
    );
    Server {
        address,
        _process: process,
    }
}

impl Server {
    async fn get(&self, path: &str) -> Reply {
        request(self.address, "GET", path, &[], b"").await
    }

    async fn post(&self, body: &str) -> Reply {
        request(
            self.address,
            "POST",
            "/pets",
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .await
    }
}

fn fields(reply: &Reply) -> Vec<String> {
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_pet_store_serves_its_three_operations() {
    let server = start(None).await;
    let created = server.post(r#"{"name": "Rex", "tag": "dog"}"#).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.json(),
        json!({"id": 1, "name": "Rex", "tag": "dog"})
    );
    assert_eq!(server.post(r#"{"name": "Tom"}"#).await.status, 201);
    let pets = server.get("/pets").await;
    assert_eq!(pets.status, 200);
    assert_eq!(pets.json().as_array().unwrap().len(), 2);
    assert_eq!(
        server.get("/pets?limit=1").await.json(),
        json!([{"id": 1, "name": "Rex", "tag": "dog"}])
    );
    assert_eq!(
        server.get("/pets/2").await.json(),
        json!({"id": 2, "name": "Tom"})
    );
    let missing = server.get("/pets/99").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "no pet 99");
}

#[tokio::test]
async fn requests_are_checked_against_the_bundled_spec() {
    let server = start(None).await;
    assert_eq!(fields(&server.get("/pets?limit=0").await), ["/query/limit"]);
    assert_eq!(
        fields(&server.get("/pets?limit=many").await),
        ["/query/limit"]
    );
    assert_eq!(fields(&server.get("/pets/zero").await), ["/path/petId"]);
    assert_eq!(fields(&server.post(r#"{"tag": "cat"}"#).await), ["/body"]);
    assert_eq!(
        fields(&server.post(r#"{"name": "Rex", "owner": "ann"}"#).await),
        ["/body"]
    );
    assert_eq!(
        fields(&server.post(r#"{"name": ""}"#).await),
        ["/body/name"]
    );
    assert_eq!(fields(&server.post(r#"{"name": "#).await), ["/body"]);
    let xml = request(
        server.address,
        "POST",
        "/pets",
        &[("content-type", "application/xml")],
        b"<pet/>",
    )
    .await;
    assert_eq!(xml.status, 415);
    assert_eq!(server.get("/owners").await.status, 404);
    let delete = request(server.address, "DELETE", "/pets/1", &[], b"").await;
    assert_eq!(delete.status, 405);
    assert!(delete.header("allow").unwrap().contains("GET"));
    assert_eq!(
        server.get("/pets").await.json(),
        json!([]),
        "nothing was stored"
    );
}

#[tokio::test]
async fn the_spec_is_served_at_openapi_json() {
    let server = start(None).await;
    let spec = server.get("/openapi.json").await;
    assert_eq!(spec.status, 200);
    let document = spec.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["paths"]["/pets/{petId}"]["get"]["operationId"],
        "getPet"
    );
}

/// The bundled spec with `limit` at most 5 and names at most 8 characters.
fn tighter_spec() -> std::path::PathBuf {
    let tighter = example_openapi_pets::BUNDLED_SPEC
        .replace("minimum: 1, maximum: 100", "minimum: 1, maximum: 5")
        .replace("minLength: 1, maxLength: 64", "minLength: 1, maxLength: 8");
    assert_ne!(tighter, example_openapi_pets::BUNDLED_SPEC);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pets-tighter.yaml");
    std::fs::write(&path, tighter).unwrap();
    path
}

#[tokio::test]
async fn the_checks_follow_the_spec_in_pets_spec() {
    let bundled = start(None).await;
    let tighter = start(Some(&tighter_spec())).await;
    assert_eq!(bundled.get("/pets?limit=6").await.status, 200);
    assert_eq!(
        fields(&tighter.get("/pets?limit=6").await),
        ["/query/limit"]
    );
    let long_name = r#"{"name": "Bartholomew"}"#;
    assert_eq!(bundled.post(long_name).await.status, 201);
    assert_eq!(fields(&tighter.post(long_name).await), ["/body/name"]);
    let served = tighter.get("/openapi.json").await.json();
    assert_eq!(
        served["paths"]["/pets"]["get"]["parameters"][0]["schema"]["maximum"],
        5
    );
}

#[test]
fn a_spec_it_cannot_use_stops_it_with_a_clear_error() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let without_get_pet = dir.join("pets-extra-operation.yaml");
    std::fs::write(
        &without_get_pet,
        example_openapi_pets::BUNDLED_SPEC.replace("operationId: getPet", "operationId: fetchPet"),
    )
    .unwrap();
    let broken = dir.join("pets-broken.yaml");
    std::fs::write(&broken, "openapi: 3.1.0\npaths: [").unwrap();
    let cases = [
        (dir.join("no-such-spec.yaml"), "cannot read"),
        (broken, "not a YAML or JSON"),
        (without_get_pet, "`getPet`, which no operation has"),
    ];
    for (spec, needle) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_openapi-pets"))
            .env("PETS_SPEC", &spec)
            .env("PORT", free_port().to_string())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{}", spec.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{}: {stderr}", spec.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn it_runs_unchanged_in_lambda() {
    let lambda = Emulator::start(env!("CARGO_BIN_EXE_openapi-pets"), &[]).await;
    let invoke = |event: Event| {
        let lambda = &lambda;
        async move {
            let reply = lambda.invoke(&event.to_bytes()).await;
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            let response = reply.json();
            let body: Value = serde_json::from_str(response["body"].as_str().unwrap_or("null"))
                .unwrap_or(Value::Null);
            (response["statusCode"].as_u64().unwrap(), body)
        }
    };
    let create = Event::http_api()
        .method("POST")
        .path("/pets")
        .json_body(&json!({"name": "Rex"}));
    assert_eq!(invoke(create).await, (201, json!({"id": 1, "name": "Rex"})));
    let get = Event::rest_api()
        .method("GET")
        .path("/pets/1")
        .query("")
        .body("");
    assert_eq!(invoke(get).await, (200, json!({"id": 1, "name": "Rex"})));
    let bad = Event::alb()
        .method("GET")
        .path("/pets")
        .query("limit=0")
        .body("");
    let (status, body) = invoke(bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["fields"][0]["field"], "/query/limit");
}

/// The checked-in `openapi.json` is the document the binary serves by default: its bundled
/// spec, as JSON (`cargo xtask openapi` rewrites it).
#[test]
fn the_checked_in_document_is_the_served_spec() {
    let spec = example_openapi_pets::spec(&Env::default()).unwrap();
    openapi_snapshot(env!("CARGO_MANIFEST_DIR"), &spec.to_json_pretty());
}
