//! Spec-first routing: requests checked against `tests/openapi/api.yaml` (every parameter
//! location, `oneOf`/`allOf`, formats, bounds, enums, a schema in another file) through the
//! full Lambda stack; startup errors for each mismatch; Swagger 2.0 conversion; property tests.
#![cfg(feature = "openapi")]
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::{body_json, call, lambda};
use proptest::prelude::*;
use serde_json::{Value, json};
use updraft_contexts::http::openapi::{OpenApi, Problem, SpecError};
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{App, LambdaService};
use updraft_core::Env;

const TRACE: &str = "0b7c3a52-5b8e-4e2f-9a43-2f0e4f1c9d11";

fn spec_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/openapi")
        .join(name)
}

async fn list_pets(Query(query): Query<Vec<(String, String)>>) -> Json<Value> {
    let _ = query;
    Json(json!([{ "id": 1, "name": "Rex", "tag": null }]))
}

async fn create_pet(Json(body): Json<Value>) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        Json(json!({ "id": 7, "name": body["name"], "tag": body.get("tag") })),
    )
}

async fn get_pet(Path(id): Path<u64>) -> Json<Value> {
    if id == 13 {
        // Drifts from the contract: `id` is a string, `name` is missing.
        return Json(json!({ "id": "thirteen" }));
    }
    Json(json!({ "id": id, "name": "Rex" }))
}

async fn delete_pet() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn adopt() -> &'static str {
    "adopted"
}

fn bound(spec: OpenApi) -> updraft_contexts::http::openapi::Routes {
    spec.routes()
        .operation("listPets", list_pets)
        .operation("createPet", create_pet)
        .operation("getPet", get_pet)
        .operation("deletePet", delete_pet)
        .operation("adopt", adopt)
}

fn service() -> LambdaService {
    let router = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .build()
        .unwrap();
    lambda(App::new(router).env(Env::default()))
}

fn get(path: &str) -> Event {
    Event::http_api().method("GET").path(path)
}

fn post_pet(body: &Value) -> Event {
    Event::http_api()
        .method("POST")
        .path("/pets")
        .header("x-trace-id", TRACE)
        .json_body(body)
}

/// The `field`s of a 400 answer.
fn fields(response: &Value) -> Vec<String> {
    assert_eq!(response["statusCode"], 400, "{response}");
    body_json(response)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn requests_that_match_the_spec_reach_their_handlers() {
    let service = service();
    let ok = [
        get("/pets"),
        get("/pets").query("limit=10&sort=age&tag=ab&tag=cd&ids=1,2,3"),
        get("/pets/42").query("verbose=true"),
        Event::http_api().method("DELETE").path("/pets/42"),
        post_pet(
            &json!({ "name": "Rex", "tag": null, "born": "2024-05-01T10:00:00Z", "kind": "dog" }),
        ),
        Event::rest_api()
            .method("POST")
            .path("/pets")
            .header("x-trace-id", TRACE)
            .header("cookie", "theme=dark; session=abcd")
            .json_body(&json!({ "name": "Rex" })),
        Event::http_api()
            .method("PUT")
            .path("/owners/ann@example.com/pets")
            .query("price=12.5")
            .json_body(&json!({ "kind": "cat", "lives": 9 })),
        Event::http_api()
            .method("PUT")
            .path("/owners/ann@example.com/pets")
            .header("content-type", "text/plain")
            .body("any cat"),
    ];
    for event in ok {
        let response = call(&service, &event).await;
        let status = response["statusCode"].as_u64().unwrap();
        assert!((200..300).contains(&status), "{response}");
    }
}

#[tokio::test]
async fn each_parameter_location_is_checked_with_its_pointer() {
    let service = service();
    let cases: Vec<(Event, &[&str])> = vec![
        (get("/pets").query("limit=0"), &["/query/limit"]),
        (get("/pets").query("limit=101"), &["/query/limit"]),
        (get("/pets").query("limit=ten"), &["/query/limit"]),
        (get("/pets").query("limit=1&limit=2"), &["/query/limit"]),
        (get("/pets").query("sort=colour"), &["/query/sort"]),
        (get("/pets").query("tag=a"), &["/query/tag/0"]),
        (
            get("/pets").query("tag=ab&tag=cd&tag=ef&tag=gh"),
            &["/query/tag"],
        ),
        (get("/pets").query("ids=1,two"), &["/query/ids/1"]),
        (get("/pets/0"), &["/path/petId"]),
        (get("/pets/abc"), &["/path/petId"]),
        (get("/pets/1").query("verbose=yes"), &["/query/verbose"]),
        (
            Event::http_api()
                .method("POST")
                .path("/pets")
                .json_body(&json!({ "name": "Rex" })),
            &["/header/X-Trace-Id"],
        ),
        (
            post_pet(&json!({ "name": "Rex" })).header("x-trace-id", "not-a-uuid"),
            &["/header/X-Trace-Id"],
        ),
        (
            // A REST API event: its cookies come in the `Cookie` header (an HTTP API's come in
            // `cookies`, which replace it).
            Event::rest_api()
                .method("POST")
                .path("/pets")
                .header("x-trace-id", TRACE)
                .header("cookie", "theme=dark; session=ABCDE")
                .json_body(&json!({ "name": "Rex" })),
            &["/cookie/session"],
        ),
        (
            Event::http_api()
                .method("PUT")
                .path("/owners/not-an-email/pets")
                .query("price=0")
                .body(""),
            &["/path/ownerId", "/query/price"],
        ),
        (
            Event::http_api()
                .method("PUT")
                .path("/owners/a@b.co/pets")
                .query("price=1.25")
                .body(""),
            &["/query/price"],
        ),
    ];
    for (i, (event, expected)) in cases.into_iter().enumerate() {
        let response = call(&service, &event).await;
        assert_eq!(response["statusCode"], 400, "case {i}: {response}");
        let mut got = fields(&response);
        got.dedup();
        assert_eq!(got, expected, "{response}");
        assert_eq!(
            body_json(&response)["message"],
            "the request does not match the API"
        );
    }
}

#[tokio::test]
async fn bodies_are_checked_against_their_schema() {
    let service = service();
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "/body"),
        (json!({ "name": "" }), "/body/name"),
        (json!({ "name": "x".repeat(41) }), "/body/name"),
        (json!({ "name": "Rex", "tag": 7 }), "/body/tag"),
        (json!({ "name": "Rex", "born": "yesterday" }), "/body/born"),
        (json!({ "name": "Rex", "kind": "fish" }), "/body/kind"),
        (json!([1, 2]), "/body"),
    ];
    for (body, pointer) in cases {
        let response = call(&service, &post_pet(&body)).await;
        assert!(
            fields(&response).contains(&pointer.to_owned()),
            "{body}: {response}"
        );
    }
    // oneOf: a dog with lives matches neither branch.
    let response = call(
        &service,
        &Event::http_api()
            .method("PUT")
            .path("/owners/a@b.co/pets")
            .json_body(&json!({ "kind": "dog", "lives": 3 })),
    )
    .await;
    assert_eq!(fields(&response), ["/body"]);
    let missing = call(
        &service,
        &Event::http_api()
            .method("POST")
            .path("/pets")
            .header("x-trace-id", TRACE)
            .body(""),
    )
    .await;
    assert_eq!(fields(&missing), ["/body"]);
    let not_json = call(
        &service,
        &Event::http_api()
            .method("POST")
            .path("/pets")
            .header("x-trace-id", TRACE)
            .header("content-type", "application/json")
            .body("{\"name\": "),
    )
    .await;
    assert_eq!(fields(&not_json), ["/body"]);
}

#[tokio::test]
async fn messages_name_the_rule_never_the_value() {
    let response = call(
        &service(),
        &post_pet(&json!({ "name": "Rex", "kind": "secret-value-123" })),
    )
    .await;
    let text = response["body"].as_str().unwrap();
    assert!(!text.contains("secret-value-123"), "{text}");
}

#[tokio::test]
async fn an_undeclared_content_type_is_415() {
    let response = call(
        &service(),
        &Event::http_api()
            .method("POST")
            .path("/pets")
            .header("x-trace-id", TRACE)
            .header("content-type", "application/xml")
            .body("<pet/>"),
    )
    .await;
    assert_eq!(response["statusCode"], 415, "{response}");
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405_with_allow() {
    let service = service();
    let response = call(&service, &get("/owners")).await;
    assert_eq!(response["statusCode"], 404);
    let response = call(&service, &Event::http_api().method("PATCH").path("/pets/3")).await;
    assert_eq!(response["statusCode"], 405);
    let allow = response["headers"]["allow"].as_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
    assert!(body_json(&response)["message"].is_string());
}

#[tokio::test]
async fn a_response_that_drifts_from_the_contract_is_a_500() {
    let response = call(&service(), &get("/pets/13")).await;
    assert_eq!(response["statusCode"], 500, "{response}");
    assert_eq!(
        body_json(&response)["message"],
        "the response does not match the API contract"
    );
    let unchecked = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .validate_responses(false)
        .build()
        .unwrap();
    let response = call(
        &lambda(App::new(unchecked).env(Env::default())),
        &get("/pets/13"),
    )
    .await;
    assert_eq!(response["statusCode"], 200);
}

#[tokio::test]
async fn the_spec_is_served_at_openapi_json_or_not_at_all() {
    let response = call(&service(), &get("/openapi.json")).await;
    assert_eq!(response["statusCode"], 200);
    let document = body_json(&response);
    assert_eq!(document["paths"]["/pets"]["get"]["operationId"], "listPets");
    let moved = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .spec_path(Some("/docs/api.json"))
        .build()
        .unwrap();
    let moved = lambda(App::new(moved).env(Env::default()));
    assert_eq!(
        call(&moved, &get("/docs/api.json")).await["statusCode"],
        200
    );
    assert_eq!(call(&moved, &get("/openapi.json")).await["statusCode"], 404);
    let off = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .spec_path(None)
        .build()
        .unwrap();
    let off = lambda(App::new(off).env(Env::default()));
    assert_eq!(call(&off, &get("/openapi.json")).await["statusCode"], 404);
}

#[tokio::test]
async fn stage_and_prefix_handling_apply_to_spec_routes() {
    let router = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .build()
        .unwrap();
    let service = lambda(
        App::new(router)
            .env(Env::default())
            .strip_prefixes(["/shop"]),
    );
    let response = call(&service, &get("/shop/pets/0")).await;
    assert_eq!(fields(&response), ["/path/petId"]);
    let response = call(&service, &Event::rest_api().method("GET").path("/pets/5")).await;
    assert_eq!(response["statusCode"], 200, "{response}");
}

fn problems(result: Result<axum::Router, SpecError>) -> Vec<Problem> {
    match result {
        Err(SpecError::Problems(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn every_binding_mismatch_is_listed_at_startup() {
    let spec = OpenApi::from_file(spec_path("api.yaml")).unwrap();
    let found = problems(
        spec.routes()
            .operation("listPets", list_pets)
            .operation("listPets", list_pets)
            .operation("getPets", get_pet)
            .operation("createPet", create_pet)
            .build(),
    );
    for expected in [
        Problem::DuplicateHandler {
            operation_id: "listPets".into(),
        },
        Problem::UnknownOperation {
            operation_id: "getPets".into(),
        },
        Problem::MissingHandler {
            operation_id: "getPet".into(),
            operation: "GET /pets/{petId}".into(),
        },
        Problem::MissingHandler {
            operation_id: "deletePet".into(),
            operation: "DELETE /pets/{petId}".into(),
        },
        Problem::MissingHandler {
            operation_id: "adopt".into(),
            operation: "PUT /owners/{ownerId}/pets".into(),
        },
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    assert_eq!(found.len(), 5, "{found:?}");
    let text = SpecError::Problems(found).to_string();
    assert!(
        text.contains("5 problem(s)") && text.contains("getPets"),
        "{text}"
    );
}

fn spec_with_paths(paths: &str) -> String {
    format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}")
}

#[test]
fn unroutable_paths_and_parameter_mismatches_are_startup_errors() {
    let text = spec_with_paths(
        "  /files/{name}.json:\n    get: {operationId: a, parameters: [{name: name, in: path, required: true}], responses: {}}\n\
         \x20 /pets/{id}:\n    get: {operationId: b, parameters: [{name: id, in: path, required: true}], responses: {}}\n\
         \x20 /pets/{petId}:\n    put: {operationId: c, parameters: [{name: petId, in: path, required: true}], responses: {}}\n\
         \x20 /owners/{ownerId}:\n    get: {operationId: d, responses: {}}\n\
         \x20 /shops:\n    get: {operationId: e, parameters: [{name: shopId, in: path, required: true}], responses: {}}\n\
         \x20 /anonymous:\n    get: {responses: {}}\n",
    );
    let spec = OpenApi::from_text(&text).unwrap();
    let routes = spec
        .routes()
        .operation("a", adopt)
        .operation("b", adopt)
        .operation("c", adopt)
        .operation("d", adopt)
        .operation("e", adopt);
    let found = problems(routes.build());
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("/files/{name}.json cannot be routed"), "{text:?}");
    assert!(
        has("/pets/{id} and /pets/{petId} cannot be routed"),
        "{text:?}"
    );
    assert!(
        has("GET /owners/{ownerId}: the path parameter `ownerId` is in the path but not declared"),
        "{text:?}"
    );
    assert!(
        has("GET /shops: the path parameter `shopId` is declared `in: path` but not in the path"),
        "{text:?}"
    );
    assert!(has("GET /anonymous has no operationId"), "{text:?}");
}

#[test]
fn malformed_specs_are_clear_errors() {
    let cases = [
        ("openapi: 3.1.0\n", "paths"),
        ("openapi: 2.5.0\npaths: {}\n", "not 3.0 or 3.1"),
        ("paths: {}\n", "neither"),
        ("openapi: 3.1.0\npaths: [1]\n", "paths"),
        ("openapi: 3.1.0\npaths:\n  pets: {}\n", "starts with `/`"),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    get: {operationId: a, parameters: [{in: query}]}\n",
            "`name`",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    get: {operationId: a, parameters: [{name: q, in: body}]}\n",
            "`in`",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    get: {operationId: a, parameters: [{$ref: '#/nowhere'}]}\n",
            "does not resolve",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n",
            "loop",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    get: {operationId: a, parameters: [{name: q, in: query, schema: {$ref: '#/nowhere'}}]}\n",
            "does not resolve",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    get: {operationId: a, parameters: [{name: q, in: query, style: matrix}]}\n",
            "style",
        ),
        ("{\"openapi\": ", "not a YAML or JSON"),
        ("- 1\n- 2\n", "mapping"),
        (
            "openapi: 3.1.0\npaths:\n  /a:\n    $ref: 'other.yaml#/a'\n",
            "from_file",
        ),
    ];
    for (text, needle) in cases {
        let err = OpenApi::from_text(text).unwrap_err().to_string();
        assert!(err.contains(needle), "{text:?}: {err}");
    }
    let err = OpenApi::from_file(spec_path("no-such-file.yaml")).unwrap_err();
    assert!(matches!(err, SpecError::Read { .. }), "{err}");
}

#[test]
fn a_schema_that_does_not_compile_is_a_startup_error() {
    let text = spec_with_paths(
        "  /a:\n    get:\n      operationId: a\n      parameters: [{name: q, in: query, schema: {type: string, pattern: '(unclosed'}}]\n      responses: {}\n",
    );
    let found = problems(
        OpenApi::from_text(&text)
            .unwrap()
            .routes()
            .operation("a", adopt)
            .build(),
    );
    assert!(found[0].to_string().contains("GET /a"), "{found:?}");
    assert!(
        matches!(found.as_slice(), [Problem::InvalidSchema { .. }]),
        "{found:?}"
    );
}

#[tokio::test]
async fn swagger_2_specs_are_converted_and_served_as_openapi_3() {
    let spec = OpenApi::from_file(spec_path("swagger.yaml")).unwrap();
    assert_eq!(spec.document()["openapi"], "3.0.3");
    let router = spec
        .routes()
        .operation("getPet", |Path(id): Path<u64>| async move {
            Json(json!({ "name": "Rex", "age": id }))
        })
        .operation("putPet", |Json(pet): Json<Value>| async move { Json(pet) })
        .build()
        .unwrap();
    let service = lambda(App::new(router).env(Env::default()));
    assert_eq!(
        call(&service, &get("/pets/3").query("tags=a,b")).await["statusCode"],
        200
    );
    assert_eq!(
        fields(&call(&service, &get("/pets/0")).await),
        ["/path/petId"]
    );
    let put = |body: Value| {
        Event::http_api()
            .method("PUT")
            .path("/pets/3")
            .json_body(&body)
    };
    assert_eq!(
        call(&service, &put(json!({ "name": "Rex", "age": 39 }))).await["statusCode"],
        200
    );
    assert_eq!(
        fields(&call(&service, &put(json!({ "name": "Rex", "age": 40 }))).await),
        ["/body/age"]
    );
    // The handler answers age 50 for pet 50: over the exclusive maximum of the response schema.
    assert_eq!(call(&service, &get("/pets/50")).await["statusCode"], 500);
}

#[test]
fn specs_load_the_same_from_json_and_from_yaml() {
    let yaml = OpenApi::from_file(spec_path("swagger.yaml")).unwrap();
    let text = std::fs::read_to_string(spec_path("swagger.yaml")).unwrap();
    let as_json = serde_yaml_ng::from_str::<Value>(&text).unwrap().to_string();
    let json = OpenApi::from_text(&as_json).unwrap();
    assert_eq!(yaml.document(), json.document());
    assert_eq!(
        json.operation_ids().collect::<Vec<_>>(),
        ["getPet", "putPet"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `limit` is accepted exactly when it is an integer in 1..=100; anything else is a 400
    /// naming it, never a panic or a 5xx.
    #[test]
    fn limits_are_accepted_exactly_when_in_bounds(limit in prop_oneof![
        (-1000i64..1000).prop_map(|n| n.to_string()),
        "[a-z0-9.+-]{0,6}",
    ]) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let encoded: String = form_encode(&limit);
        let response = runtime.block_on(call(&service(), &get("/pets").query(&format!("limit={encoded}"))));
        let valid = limit.parse::<i64>().is_ok_and(|n| (1..=100).contains(&n));
        if valid {
            prop_assert_eq!(&response["statusCode"], 200);
        } else {
            prop_assert_eq!(fields(&response), ["/query/limit"]);
        }
    }

    /// A new pet is accepted exactly when its name has 1 to 40 characters, its tag is null or
    /// at most 16 characters, and its kind is one of the enum.
    #[test]
    fn pets_are_accepted_exactly_when_they_match(
        name in proptest::option::of(".{0,45}"),
        tag in proptest::option::of(proptest::option::of(".{0,20}")),
        kind in proptest::option::of(prop_oneof![Just("dog"), Just("cat"), Just("bird"), Just("fish"), Just("")]),
    ) {
        let mut body = serde_json::Map::new();
        if let Some(name) = &name { body.insert("name".into(), json!(name)); }
        if let Some(tag) = &tag { body.insert("tag".into(), json!(tag)); }
        if let Some(kind) = kind { body.insert("kind".into(), json!(kind)); }
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let response = runtime.block_on(call(&service(), &post_pet(&Value::Object(body))));
        let valid = name.as_ref().is_some_and(|n| (1..=40).contains(&n.chars().count()))
            && tag.as_ref().is_none_or(|t| t.as_ref().is_none_or(|t| t.chars().count() <= 16))
            && kind.is_none_or(|k| ["dog", "cat", "bird"].contains(&k));
        let status = response["statusCode"].as_u64().unwrap();
        prop_assert_eq!(status, if valid { 201 } else { 400 }, "{}", response);
    }
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn reserved_headers_and_server_errors_follow_openapi_rules() {
    let text = spec_with_paths(
        "  /busy:\n    get:\n      operationId: busy\n      parameters:\n        - {name: Authorization, in: header, required: true, schema: {type: string}}\n        - {name: Accept, in: header, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n",
    );
    let router = OpenApi::from_text(&text)
        .unwrap()
        .routes()
        .operation("busy", || async {
            updraft_contexts::http::ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy")
        })
        .build()
        .unwrap();
    let service = lambda(App::new(router).env(Env::default()));
    // Authorization and Accept header parameters are ignored, as OpenAPI says; an undeclared
    // 5xx is the server failing, not the handler drifting, and keeps its status.
    let response = call(&service, &get("/busy")).await;
    assert_eq!(response["statusCode"], 503, "{response}");
}

#[test]
fn a_spec_path_where_the_spec_is_served_is_a_startup_error() {
    let text = spec_with_paths("  /openapi.json:\n    get: {operationId: mine, responses: {}}\n");
    let routes = || {
        OpenApi::from_text(&text)
            .unwrap()
            .routes()
            .operation("mine", adopt)
    };
    let found = problems(routes().build());
    assert!(
        found.iter().any(|p| p.to_string().contains("spec_path")),
        "{found:?}"
    );
    assert!(routes().spec_path(Some("/spec.json")).build().is_ok());
}

/// Fuzz target: hostile bodies, queries and paths through the spec's checks. Every request is
/// answered, and never with a server error: what the spec refuses is the client's fault.
/// (Response checks are off: `getPet` drifts from the contract for id 13 on purpose.)
#[test]
fn fuzz_requests_checked_against_a_spec_are_answered_never_panicked_on() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let router = bound(OpenApi::from_file(spec_path("api.yaml")).unwrap())
        .validate_responses(false)
        .build()
        .unwrap();
    let service = lambda(App::new(router).env(Env::default()));
    proptest!(updraft_testkit::fuzz::config(), |(
        body in updraft_testkit::fuzz::nasty_value(),
        query in "[a-z0-9=&%.,+-]{0,40}",
        id in "[a-zA-Z0-9%.-]{0,24}",
    )| {
        for event in [
            post_pet(&body).query(&query),
            get(&format!("/pets/{id}")).query(&query).body(""),
            get("/pets").query(&query).body(""),
        ] {
            let response = runtime.block_on(call(&service, &event));
            let status = response["statusCode"].as_u64().unwrap_or_default();
            prop_assert!((200..500).contains(&status), "{}", response);
        }
    });
}
