//! REST resources by convention, nested, with 405 for what a resource does not implement.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{body_json, call, lambda};
use serde::Deserialize;
use serde_json::json;
use updraft_contexts::http::resource::{Mount, Resource, ResourceRequest};
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{ApiResult, App};
use updraft_core::Env;

struct Users;

#[derive(Deserialize, garde::Validate)]
struct NewUser {
    #[garde(length(min = 1))]
    name: String,
}

#[derive(Deserialize, garde::Validate)]
struct Page {
    #[garde(range(max = 100))]
    limit: u32,
}

impl Resource for Users {
    async fn list(&self, request: ResourceRequest) -> ApiResult<Response> {
        let page: Page = request.query()?;
        Ok(Json(json!({ "users": [], "limit": page.limit })).into_response())
    }
    async fn get(&self, id: String, _request: ResourceRequest) -> ApiResult<Response> {
        Ok(Json(json!({ "id": id })).into_response())
    }
    async fn create(&self, request: ResourceRequest) -> ApiResult<Response> {
        let user: NewUser = request.json()?;
        Ok((StatusCode::CREATED, Json(json!({ "name": user.name }))).into_response())
    }
    async fn delete(&self, _id: String, _request: ResourceRequest) -> ApiResult<Response> {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

struct Posts;

impl Resource for Posts {
    async fn get(&self, id: String, request: ResourceRequest) -> ApiResult<Response> {
        Ok(Json(
            json!({ "user": request.param("id"), "post": id, "state": request.session().state }),
        )
        .into_response())
    }
}

fn app() -> updraft_contexts::http::LambdaService {
    let router = Mount::new("users", Users)
        .child(Mount::new("posts", Posts))
        .into_router();
    lambda(App::new(router).env(Env::default()))
}

fn event(method: &str, path: &str) -> Event {
    Event::http_api().method(method).path(path)
}

#[tokio::test]
async fn operations_follow_the_convention() {
    let app = app();
    let list = call(&app, &event("GET", "/users").query("limit=10")).await;
    assert_eq!(body_json(&list), json!({"users": [], "limit": 10}));
    let get = call(&app, &event("GET", "/users/42")).await;
    assert_eq!(body_json(&get), json!({"id": "42"}));
    let create = call(
        &app,
        &event("POST", "/users").json_body(&json!({"name": "ada"})),
    )
    .await;
    assert_eq!(create["statusCode"], 201);
    let delete = call(&app, &event("DELETE", "/users/42")).await;
    assert_eq!(delete["statusCode"], 204);
}

#[tokio::test]
async fn nested_resources_see_their_parent_id_and_the_session() {
    let response = call(
        &app(),
        &event("GET", "/users/7/posts/99").header("constitution-state", "ct"),
    )
    .await;
    assert_eq!(
        body_json(&response),
        json!({"user": "7", "post": "99", "state": "ct"})
    );
}

#[tokio::test]
async fn unimplemented_operations_are_405_json() {
    let app = app();
    for (method, path) in [
        ("PUT", "/users/1"),
        ("GET", "/users/1/posts"),
        ("POST", "/users/1/posts"),
        ("DELETE", "/users/1/posts/2"),
        ("PATCH", "/users/1"),
    ] {
        let response = call(&app, &event(method, path)).await;
        assert_eq!(response["statusCode"], 405, "{method} {path}");
        assert!(
            body_json(&response)["message"].is_string(),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn resource_inputs_are_validated() {
    let app = app();
    let bad_query = call(&app, &event("GET", "/users").query("limit=1000")).await;
    assert_eq!(bad_query["statusCode"], 400);
    assert_eq!(body_json(&bad_query)["fields"][0]["field"], "limit");
    let bad_body = call(
        &app,
        &event("POST", "/users").json_body(&json!({"name": ""})),
    )
    .await;
    assert_eq!(bad_body["statusCode"], 400);
    let not_json = call(&app, &event("POST", "/users").body("name=ada")).await;
    assert_eq!(not_json["statusCode"], 415);
}

/// Resource requests read their inputs with the plain extractors' rules, not rules of their
/// own: a query value of the wrong type names its field (not `query`); only `application/`
/// types count as JSON, in any case.
#[tokio::test]
async fn resource_inputs_follow_the_plain_extractors_rules() {
    let app = app();
    let wrong_type = call(&app, &event("GET", "/users").query("limit=many")).await;
    assert_eq!(wrong_type["statusCode"], 400);
    assert_eq!(body_json(&wrong_type)["fields"][0]["field"], "limit");
    let json_event = |content_type: &str| {
        event("POST", "/users")
            .body(r#"{"name": "ada"}"#)
            .header("content-type", content_type)
    };
    let upper = call(&app, &json_event("Application/JSON")).await;
    assert_eq!(upper["statusCode"], 201, "{upper}");
    let text = call(&app, &json_event("text/x+json")).await;
    assert_eq!(text["statusCode"], 415, "{text}");
    let vendor = call(&app, &json_event("application/vnd.api+json")).await;
    assert_eq!(vendor["statusCode"], 201, "{vendor}");
}
