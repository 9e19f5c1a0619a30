//! The example's OpenAPI document: generated from its routes, checked in as `openapi.json`
//! (`cargo xtask openapi` rewrites it), served at `/openapi.json`, and listing the routes the
//! plain router of a build without the `openapi` feature serves too.
#![cfg(feature = "openapi")]
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft::contexts::http::testing::{Event, invoke};
use updraft::core::Env;
use updraft::testing::openapi_snapshot;

#[test]
fn the_checked_in_document_is_the_generated_one() {
    openapi_snapshot(
        env!("CARGO_MANIFEST_DIR"),
        &example_http_api::documented().to_json_pretty(),
    );
}

#[tokio::test]
async fn the_documented_and_the_plain_router_serve_the_same_routes() {
    let document = example_http_api::documented().document().clone();
    let plain = updraft::contexts::http::App::new(example_http_api::plain_router())
        .env(Env::default())
        .into_lambda_service()
        .unwrap();
    let documented = updraft::contexts::http::App::new(example_http_api::router())
        .env(Env::default())
        .into_lambda_service()
        .unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{name}", "x");
            let event = Event::http_api()
                .method(&method.to_ascii_uppercase())
                .path(&concrete)
                .json_body(&serde_json::json!({"item": "tea", "quantity": 1}));
            let a = invoke(&plain, event.to_bytes()).await.unwrap();
            let b = invoke(&documented, event.to_bytes()).await.unwrap();
            assert_eq!(a["statusCode"], b["statusCode"], "{method} {path}");
            assert!(
                ![404, 405].contains(&a["statusCode"].as_u64().unwrap()),
                "{method} {path}"
            );
        }
    }
    let spec = invoke(
        &documented,
        Event::http_api()
            .method("GET")
            .path("/openapi.json")
            .body("")
            .to_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(spec["statusCode"], 200);
}
