//! CORS preflight and headers under every source.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, call, lambda};
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{AuthMode, CorsLayer};
use updraft_core::Env;

fn header<'a>(response: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    response["headers"][name]
        .as_str()
        .or_else(|| response["multiValueHeaders"][name][0].as_str())
        .or_else(|| response["headers"][name][0].as_str())
}

#[tokio::test]
async fn preflight_is_answered_under_every_source_even_with_auth_on() {
    let env = Env::from_pairs([
        ("UPDRAFT_CORS_ORIGINS", "https://app.example.com"),
        ("AUTHORIZATION", "user"),
        ("AUTH_BYPASS_TOKEN", "bypass"),
    ]);
    let app = lambda(common::app().env(env).strip_prefixes(["/shop"]));
    for (name, event) in Event::every_source() {
        let preflight = event
            .clone()
            .method("OPTIONS")
            .path("/hello/x")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "GET");
        let response = call(&app, &preflight).await;
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("https://app.example.com"),
            "{name}"
        );
        let actual = event
            .path("/hello/x")
            .header("origin", "https://app.example.com")
            .header("authorization", "Bearer bypass");
        let response = call(&app, &actual).await;
        assert_eq!(response["statusCode"], 200, "{name}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("https://app.example.com"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn cors_from_code_and_other_origins() {
    let app = lambda(app().cors(CorsLayer::permissive()).auth_mode(AuthMode::Off));
    let response = call(
        &app,
        &Event::http_api()
            .method("GET")
            .path("/hello/x")
            .header("origin", "https://any.example"),
    )
    .await;
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    let strict = lambda(common::app().env(Env::from_pairs([(
        "UPDRAFT_CORS_ORIGINS",
        "https://a.example",
    )])));
    let response = call(
        &strict,
        &Event::http_api()
            .method("GET")
            .path("/hello/x")
            .header("origin", "https://evil.example"),
    )
    .await;
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let bad = common::app()
        .env(Env::from_pairs([(
            "UPDRAFT_CORS_ORIGINS",
            "https://a.example,\u{7f}",
        )]))
        .into_service();
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("UPDRAFT_CORS_ORIGINS")
    );
}
