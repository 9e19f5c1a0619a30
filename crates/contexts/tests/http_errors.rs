//! Every error leaves as JSON with a `message` and the right status; panics do not stop the app.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, body_json, call, lambda, stripping_app};
use proptest::prelude::*;
use serde_json::json;
use updraft_contexts::http::testing::Event;

fn get(path: &str) -> Event {
    Event::http_api().method("GET").path(path)
}

#[tokio::test]
async fn an_unknown_route_is_404_json() {
    let response = call(&lambda(app()), &get("/nowhere")).await;
    assert_eq!(response["statusCode"], 404);
    assert_eq!(response["headers"]["content-type"], "application/json");
    assert_eq!(body_json(&response)["message"], "no route for GET /nowhere");
}

#[tokio::test]
async fn a_wrong_method_is_405_json_with_allow() {
    let response = call(
        &lambda(app()),
        &Event::http_api().method("DELETE").path("/hello/x"),
    )
    .await;
    assert_eq!(response["statusCode"], 405);
    assert!(
        body_json(&response)["message"]
            .as_str()
            .unwrap()
            .contains("DELETE")
    );
    assert!(
        response["headers"]["allow"]
            .as_str()
            .unwrap()
            .contains("GET")
    );
}

#[tokio::test]
async fn handler_errors_keep_their_status() {
    let app = lambda(app());
    for (kind, status) in [
        ("conflict", 409),
        ("unprocessable", 422),
        ("forbidden", 403),
        ("core", 400),
        ("internal", 500),
    ] {
        let response = call(&app, &get(&format!("/fail/{kind}"))).await;
        assert_eq!(response["statusCode"], status, "{kind}");
        assert!(body_json(&response)["message"].is_string(), "{kind}");
    }
    let internal = call(&app, &get("/fail/internal")).await;
    assert_eq!(
        body_json(&internal),
        json!({"message": "internal server error", "request_id": "test-request-id"}),
        "no internals leak; the request id ties the answer to the log"
    );
}

#[tokio::test]
async fn axum_text_rejections_become_json() {
    let response = call(&lambda(app()), &get("/number/seven")).await;
    assert_eq!(response["statusCode"], 400);
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("Cannot parse"), "{message}");
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_next_request_is_served() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let panicked = call(&app, &event.clone().path("/panic")).await;
        assert_eq!(panicked["statusCode"], 500, "{name}");
        assert_eq!(
            body_json(&panicked),
            json!({"message": "internal server error", "request_id": "test-request-id"}),
            "{name}"
        );
        let next = call(&app, &event.path("/hello/again")).await;
        assert_eq!(next["statusCode"], 200, "{name}");
    }
}

fn order(body: &serde_json::Value) -> Event {
    Event::alb().method("POST").path("/orders").json_body(body)
}

#[tokio::test]
async fn a_valid_order_is_created() {
    let response = call(
        &lambda(app()),
        &order(&json!({"item": "tea", "quantity": 3})).header("constitution-state", "connecticut"),
    )
    .await;
    assert_eq!(response["statusCode"], 201);
    assert_eq!(
        body_json(&response),
        json!({"item": "tea", "quantity": 3, "state": "connecticut"})
    );
}

#[tokio::test]
async fn broken_rules_are_400_with_the_fields_named() {
    let app = lambda(app());
    let fields = |response: &serde_json::Value| -> Vec<String> {
        let mut names: Vec<String> = body_json(response)["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let both = call(&app, &order(&json!({"item": "", "quantity": 0}))).await;
    assert_eq!(both["statusCode"], 400);
    assert_eq!(fields(&both), ["item", "quantity"]);
    let long = call(
        &app,
        &order(&json!({"item": "x".repeat(65), "quantity": 1})),
    )
    .await;
    assert_eq!(fields(&long), ["item"]);
    let typed = call(&app, &order(&json!({"item": "tea", "quantity": "many"}))).await;
    assert_eq!(fields(&typed), ["quantity"]);
}

#[tokio::test]
async fn malformed_json_is_400_and_a_wrong_content_type_is_415() {
    let app = lambda(app());
    let malformed = Event::alb()
        .method("POST")
        .path("/orders")
        .header("content-type", "application/json")
        .body("{\"item\": ");
    let response = call(&app, &malformed).await;
    assert_eq!(response["statusCode"], 400);
    assert!(
        body_json(&response)["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let text = Event::alb()
        .method("POST")
        .path("/orders")
        .header("content-type", "text/plain")
        .body("{}");
    assert_eq!(call(&app, &text).await["statusCode"], 415);
    let empty = Event::alb()
        .method("POST")
        .path("/orders")
        .header("content-type", "application/json");
    assert_eq!(call(&app, &empty).await["statusCode"], 400);
}

fn any_body() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (
            proptest::option::of(".{0,80}"),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(item, quantity, extra)| {
                let mut doc = serde_json::Map::new();
                if let Some(item) = item {
                    doc.insert("item".into(), json!(item));
                }
                if let Some(quantity) = quantity {
                    doc.insert("quantity".into(), json!(quantity));
                }
                if let Some(extra) = extra {
                    doc.insert("quantity".into(), json!(extra));
                }
                serde_json::Value::Object(doc).to_string()
            }),
        (".{0,20}", any::<f64>())
            .prop_map(|(item, q)| format!(r#"{{"item": {item:?}, "quantity": {q}}}"#)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_order_bodies_never_give_a_500(body in any_body()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = runtime.block_on(async {
            let event = Event::http_api().method("POST").path("/orders").header("content-type", "application/json").body(&body);
            call(&lambda(app()), &event).await["statusCode"].as_u64().unwrap()
        });
        prop_assert!(status == 201 || status == 400, "{status} for {body}");
    }
}
