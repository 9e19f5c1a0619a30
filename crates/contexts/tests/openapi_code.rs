//! Code first: a document generated from an `ApiRouter`'s routes and their handlers' types,
//! garde's rules in its schemas, served at `/openapi.json` with Swagger UI; plain axum routes
//! merged in are served but not documented; and the generated document, loaded spec first,
//! accepts and refuses what the handlers do.
#![cfg(feature = "openapi")]
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::get;
use common::{body_json, call, lambda};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use updraft_contexts::http::openapi::{ApiRouter, Documented, Info, OpenApi, api};
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{ApiResult, App, CurrentSession, ValidJson, ValidPath, ValidQuery};
use updraft_core::Env;

/// An order to place.
#[derive(Debug, Deserialize, garde::Validate, schemars::JsonSchema)]
struct NewOrder {
    /// What to order.
    #[garde(length(min = 1, max = 64))]
    item: String,
    /// How many.
    #[garde(range(min = 1, max = 1000))]
    quantity: u32,
    /// A note for the kitchen.
    #[garde(length(max = 20))]
    note: Option<String>,
}

/// A placed order.
#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Order {
    id: u64,
    item: String,
    quantity: u32,
}

#[derive(Debug, Deserialize, garde::Validate, schemars::JsonSchema)]
struct Page {
    #[garde(range(min = 1, max = 50))]
    limit: Option<u32>,
}

#[derive(Debug, Deserialize, garde::Validate, schemars::JsonSchema)]
struct OrderId {
    #[garde(range(min = 1))]
    id: u64,
}

async fn place(
    CurrentSession(_session): CurrentSession,
    ValidJson(new): ValidJson<NewOrder>,
) -> (StatusCode, Json<Order>) {
    (
        StatusCode::CREATED,
        Json(Order {
            id: 1,
            item: new.item,
            quantity: new.quantity,
        }),
    )
}

async fn list(ValidQuery(page): ValidQuery<Page>) -> Json<Vec<Order>> {
    let _ = page.limit;
    Json(Vec::new())
}

async fn read(ValidPath(path): ValidPath<OrderId>) -> ApiResult<Json<Order>> {
    Ok(Json(Order {
        id: path.id,
        item: "tea".into(),
        quantity: 1,
    }))
}

fn documented() -> Documented {
    Documented::generate(
        Info {
            title: "orders".into(),
            version: "1.0.0".into(),
            ..Info::default()
        },
        || {
            ApiRouter::new()
                .api_route(
                    "/orders",
                    api::post_with(place, |op| {
                        op.summary("Places an order").response::<201, Json<Order>>()
                    })
                    .get(list),
                )
                .api_route("/orders/{id}", api::get(read))
                .merge(axum::Router::new().route("/health", get(|| async { "ok" })))
        },
    )
    .unwrap()
}

#[test]
fn the_document_comes_from_the_routes_and_their_types() {
    let doc = documented().document().clone();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "orders");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths.keys().collect::<Vec<_>>(),
        ["/orders", "/orders/{id}"],
        "plain routes are not documented"
    );
    let post = &doc["paths"]["/orders"]["post"];
    let body = &post["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/NewOrder");
    for status in ["201", "400", "415"] {
        assert!(
            post["responses"].get(status).is_some(),
            "{status}: {}",
            post["responses"]
        );
    }
    let get = &doc["paths"]["/orders"]["get"];
    assert_eq!(get["parameters"][0]["name"], "limit");
    assert_eq!(get["parameters"][0]["in"], "query");
    let read = &doc["paths"]["/orders/{id}"]["get"];
    assert_eq!(read["parameters"][0]["in"], "path");
}

#[test]
fn garde_rules_are_in_the_schemas() {
    let doc = documented().document().clone();
    let new_order = &doc["components"]["schemas"]["NewOrder"];
    assert_eq!(new_order["properties"]["item"]["minLength"], 1);
    assert_eq!(new_order["properties"]["item"]["maxLength"], 64);
    assert_eq!(new_order["properties"]["quantity"]["minimum"], 1);
    assert_eq!(new_order["properties"]["quantity"]["maximum"], 1000);
    assert_eq!(new_order["properties"]["note"]["maxLength"], 20);
    assert_eq!(new_order["description"], "An order to place.");
    assert_eq!(new_order["required"], json!(["item", "quantity"]));
}

fn service(documented: Documented) -> updraft_contexts::http::LambdaService {
    lambda(App::new(documented.into_router()).env(Env::default()))
}

fn get_event(path: &str) -> Event {
    Event::http_api().method("GET").path(path).body("")
}

#[tokio::test]
async fn the_document_and_swagger_ui_are_served_beside_the_routes() {
    let documented = documented();
    let expected = documented.document().clone();
    let service = service(documented.swagger_ui("/docs"));
    let served = call(&service, &get_event("/openapi.json")).await;
    assert_eq!(served["statusCode"], 200);
    assert_eq!(body_json(&served), expected);
    let ui = call(&service, &get_event("/docs")).await;
    assert_eq!(ui["statusCode"], 200);
    assert!(
        ui["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = ui["body"].as_str().unwrap();
    assert!(
        page.contains("SwaggerUIBundle") && page.contains("/openapi.json"),
        "the page loads the document"
    );
    assert!(
        !page.contains("<script src") && !page.contains("<link"),
        "no asset is fetched from elsewhere"
    );
    assert!(
        page.contains(r#""validatorUrl": null"#),
        "nor a validator badge"
    );
    assert_eq!(
        call(&service, &get_event("/health")).await["statusCode"],
        200
    );
    let placed = call(
        &service,
        &Event::http_api()
            .method("POST")
            .path("/orders")
            .json_body(&json!({"item": "tea", "quantity": 2})),
    )
    .await;
    assert_eq!(placed["statusCode"], 201);
    let hidden = service_without_document();
    assert_eq!(
        call(&hidden, &get_event("/openapi.json")).await["statusCode"],
        404
    );
}

fn service_without_document() -> updraft_contexts::http::LambdaService {
    service(documented().spec_path(None))
}

/// The generated document, loaded spec first, accepts and refuses what the garde rules do.
#[tokio::test]
async fn the_generated_document_checks_requests_as_the_handlers_do() {
    let text = documented().to_json_pretty();
    let spec = OpenApi::from_text(&text).unwrap();
    let router = spec
        .routes()
        .operation("postOrders", place)
        .operation("getOrders", list)
        .operation("getOrdersById", read)
        .build();
    let router = match router {
        Ok(router) => router,
        Err(error) => panic!("{error}\n{text}"),
    };
    let checked = lambda(App::new(router).env(Env::default()));
    let plain = service(documented());
    let bodies = [
        json!({"item": "tea", "quantity": 2}),
        json!({"item": "", "quantity": 2}),
        json!({"item": "tea", "quantity": 0}),
        json!({"item": "tea", "quantity": 1001}),
        json!({"item": "tea", "quantity": 2, "note": "x".repeat(21)}),
        json!({"item": "tea", "quantity": 2, "note": "no sugar"}),
        json!({"quantity": 2}),
    ];
    for body in bodies {
        let event = Event::http_api()
            .method("POST")
            .path("/orders")
            .json_body(&body);
        let by_spec = call(&checked, &event).await["statusCode"].clone();
        let by_handler = call(&plain, &event).await["statusCode"].clone();
        assert_eq!(by_spec, by_handler, "{body}");
    }
    for path in [
        "/orders?limit=5",
        "/orders?limit=0",
        "/orders?limit=51",
        "/orders/3",
        "/orders/0",
    ] {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let event = get_event(path).query(query);
        let by_spec = call(&checked, &event).await["statusCode"].clone();
        let by_handler = call(&plain, &event).await["statusCode"].clone();
        assert_eq!(by_spec, by_handler, "{path}?{query}");
    }
}

#[test]
fn pretty_json_ends_with_a_newline_and_parses_back() {
    let text = documented().to_json_pretty();
    assert!(text.ends_with("}\n"));
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(&parsed, documented().document());
}

#[tokio::test]
async fn an_app_route_at_the_spec_path_wins_over_the_document() {
    let documented = Documented::generate(
        Info {
            title: "mine".into(),
            version: "1".into(),
            ..Info::default()
        },
        || ApiRouter::new().api_route("/openapi.json", api::get(|| async { "my own" })),
    )
    .unwrap();
    let service = service(documented);
    let response = call(&service, &get_event("/openapi.json")).await;
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["body"], "my own");
}
