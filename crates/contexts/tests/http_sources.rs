//! The same router under every event source: paths, methods, queries, headers, bodies.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, body_bytes, body_json, call, lambda, stripping_app};
use serde_json::json;
use updraft_contexts::http::testing::Event;

#[tokio::test]
async fn every_source_routes_the_same_path() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let response = call(&app, &event.path("/hello/bob")).await;
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        assert_eq!(
            body_json(&response),
            json!({"message": "hello, bob"}),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_rest_api_stage_is_not_in_the_path() {
    let event = Event::rest_api().method("GET").path("/echo");
    assert_eq!(event.json()["requestContext"]["path"], "/prod/echo");
    let response = call(&lambda(app()), &event).await;
    assert_eq!(body_json(&response)["path"], "/echo");
}

#[tokio::test]
async fn a_named_http_api_stage_is_stripped_from_raw_path() {
    let event = Event::http_api_named_stage().method("GET").path("/echo");
    assert_eq!(event.json()["rawPath"], "/prod/echo");
    let response = call(&lambda(app()), &event).await;
    assert_eq!(body_json(&response)["path"], "/echo");
}

#[tokio::test]
async fn a_route_named_like_the_stage_survives() {
    let event = Event::http_api_named_stage().method("GET").path("/prod/x");
    assert_eq!(event.json()["rawPath"], "/prod/prod/x");
    let response = call(&lambda(app()), &event).await;
    assert_eq!(response["statusCode"], 404);
    assert_eq!(body_json(&response)["message"], "no route for GET /prod/x");
}

#[tokio::test]
async fn behind_a_custom_domain_the_client_cannot_strip_a_stage_to_reach_a_route() {
    // The stage is `prod`, and the client asks for `/prod/echo` through the custom domain: the
    // first segment is the client's, not API Gateway's, so it must not route to `/echo`
    // (past a route authorizer that guarded `/prod/echo`).
    let event = Event::http_api_custom_domain()
        .method("GET")
        .path("/prod/echo");
    assert_eq!(event.json()["requestContext"]["stage"], "prod");
    assert_eq!(event.json()["rawPath"], "/shop/prod/echo");
    let response = call(&stripping_app(), &event).await;
    assert_eq!(response["statusCode"], 404, "{response}");
    assert_eq!(
        body_json(&response)["message"],
        "no route for GET /prod/echo"
    );
    let no_mapping = Event::http_api_named_stage()
        .method("GET")
        .path("/prod/echo")
        .domain_name("api.example.com");
    assert_eq!(no_mapping.json()["rawPath"], "/prod/prod/echo");
    let response = call(&lambda(app()), &no_mapping).await;
    assert_eq!(
        body_json(&response)["message"],
        "no route for GET /prod/prod/echo",
        "on a custom domain nothing is stripped without configuration"
    );
}

#[tokio::test]
async fn a_custom_domain_base_path_is_stripped_by_configuration() {
    let event = Event::rest_api_custom_domain().method("GET").path("/echo");
    assert_eq!(event.json()["path"], "/shop/echo");
    let without = call(&lambda(app()), &event).await;
    assert_eq!(
        without["statusCode"], 404,
        "the base path is part of the path until stripped"
    );
    let with = call(&stripping_app(), &event).await;
    assert_eq!(body_json(&with)["path"], "/echo");
}

#[tokio::test]
async fn the_default_http_api_stage_keeps_the_path() {
    let response = call(
        &lambda(app()),
        &Event::http_api().method("GET").path("/echo"),
    )
    .await;
    assert_eq!(body_json(&response)["path"], "/echo");
}

#[tokio::test]
async fn queries_reach_the_router_from_every_source() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let response = call(&app, &event.path("/echo").query("color=blue%20green&n=1")).await;
        let body = body_json(&response);
        let mut query: Vec<(String, String)> =
            serde_json::from_value(body["query"].clone()).unwrap();
        query.sort();
        assert_eq!(
            query,
            [
                ("color".to_owned(), "blue green".to_owned()),
                ("n".to_owned(), "1".to_owned())
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn methods_headers_and_bodies_reach_the_router_from_every_source() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let event = event
            .method("PUT")
            .path("/echo")
            .header("Header1", "from-test")
            .body("payload");
        let body = body_json(&call(&app, &event).await);
        assert_eq!(body["method"], "PUT", "{name}");
        assert_eq!(body["header1"], "from-test", "{name}");
        assert_eq!(body["body"], "payload", "{name}");
    }
}

#[tokio::test]
async fn http_api_cookies_become_a_cookie_header() {
    let mut event = Event::http_api().method("GET").path("/echo");
    event = event.edit(|json| json["cookies"] = json!(["a=1", "b=2"]));
    let body = body_json(&call(&lambda(app()), &event).await);
    assert_eq!(body["cookie"], "a=1; b=2");
}

#[tokio::test]
async fn paths_with_spaces_and_unicode_are_encoded_not_rejected() {
    let app = lambda(app());
    let rest = Event::rest_api().method("GET").path("/hello/bob smith");
    let body = body_json(&call(&app, &rest).await);
    assert_eq!(
        body["message"], "hello, bob smith",
        "REST gives a decoded path"
    );
    let http = Event::http_api().method("GET").path("/hello/zo%C3%AB");
    let body = body_json(&call(&app, &http).await);
    assert_eq!(body["message"], "hello, zoë", "HTTP APIs give the raw path");
}

#[tokio::test]
async fn base64_request_bodies_are_decoded_under_every_source() {
    let app = stripping_app();
    let bytes = [0u8, 159, 146, 150, 255];
    for (name, event) in Event::every_source() {
        let response = call(
            &app,
            &event.method("POST").path("/echo-bytes").binary_body(&bytes),
        )
        .await;
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        assert_eq!(response["isBase64Encoded"], true, "{name}");
        assert_eq!(body_bytes(&response), bytes, "{name}");
    }
}

#[tokio::test]
async fn binary_responses_are_base64_and_json_is_text() {
    let app = stripping_app();
    for (name, event) in Event::every_source() {
        let image = call(&app, &event.clone().path("/image")).await;
        assert_eq!(image["isBase64Encoded"], true, "{name}");
        assert_eq!(body_bytes(&image)[..4], [0x89, b'P', b'N', b'G'], "{name}");
        let json = call(&app, &event.path("/hello/x")).await;
        assert_eq!(json["isBase64Encoded"], false, "{name}");
    }
}

#[tokio::test]
async fn each_source_gets_its_response_format() {
    let app = stripping_app();
    let alb = call(&app, &Event::alb().method("GET").path("/hello/x")).await;
    assert_eq!(alb["statusDescription"], "200 OK");
    let rest = call(&app, &Event::rest_api().method("GET").path("/hello/x")).await;
    assert_eq!(
        rest["multiValueHeaders"]["content-type"],
        json!(["application/json"])
    );
    let http = call(&app, &Event::http_api().method("GET").path("/hello/x")).await;
    assert_eq!(http["headers"]["content-type"], "application/json");
    assert!(
        http.get("multiValueHeaders").is_none()
            || http["multiValueHeaders"]
                .as_object()
                .is_none_or(serde_json::Map::is_empty)
    );
    let lattice = call(&app, &Event::vpc_lattice().method("GET").path("/hello/x")).await;
    assert_eq!(lattice["statusCode"], 200);
}

#[tokio::test]
async fn a_handler_can_be_tested_with_a_fixture_and_no_lambda() {
    use tower::ServiceExt;
    let service = app().into_service().unwrap();
    let request = axum::http::Request::builder()
        .uri("/hello/alice")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
}
