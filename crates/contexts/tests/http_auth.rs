//! Bearer-token auth, the bypass token, the state header and the session under every source.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::{app, body_json, call, lambda};
use serde_json::json;
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{ApiError, AuthMode, Verdict, verifier_fn};
use updraft_core::Env;

fn verifier() -> impl updraft_contexts::http::TokenVerifier {
    verifier_fn(|token: String| async move {
        match token.as_str() {
            "t-alice" => Ok(Verdict::Allow(json!({"id": "alice"}))),
            "t-mallory" => Ok(Verdict::Deny("this account is suspended".into())),
            "t-broken" => Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "token store down",
            )),
            _ => Ok(Verdict::Unknown),
        }
    })
}

fn whoami(token: Option<&str>, state: Option<&str>) -> Event {
    let mut event = Event::rest_api().method("GET").path("/whoami");
    if let Some(token) = token {
        event = event.header("authorization", &format!("Bearer {token}"));
    }
    if let Some(state) = state {
        event = event.header("constitution-state", state);
    }
    event
}

#[tokio::test]
async fn full_mode_needs_a_valid_token_and_the_state() {
    let app = lambda(app().auth_mode(AuthMode::Full).token_verifier(verifier()));
    let ok = call(&app, &whoami(Some("t-alice"), Some("connecticut"))).await;
    assert_eq!(ok["statusCode"], 200, "{ok}");
    assert_eq!(
        body_json(&ok),
        json!({"state": "connecticut", "user": {"id": "alice"}, "deep": "connecticut"}),
        "the session reaches the handler and the code it calls"
    );
    let cases = [
        (None, Some("ct"), 401),
        (Some("t-unknown"), Some("ct"), 401),
        (Some("t-mallory"), Some("ct"), 403),
        (Some("t-broken"), Some("ct"), 503),
        (Some("t-alice"), None, 400),
    ];
    for (token, state, status) in cases {
        let response = call(&app, &whoami(token, state)).await;
        assert_eq!(
            response["statusCode"], status,
            "{token:?} {state:?}: {response}"
        );
        assert!(body_json(&response)["message"].is_string());
    }
    let denied = call(&app, &whoami(None, Some("ct"))).await;
    assert_eq!(
        denied["multiValueHeaders"]["www-authenticate"],
        json!(["Bearer"])
    );
}

#[tokio::test]
async fn modes_and_the_bypass_token_come_from_the_environment() {
    let env = Env::from_pairs([
        ("AUTHORIZATION", "user"),
        ("AUTH_BYPASS_TOKEN", "internal-bypass-7"),
    ]);
    let app = lambda(common::app().env(env));
    let bypass = call(&app, &whoami(Some("internal-bypass-7"), None)).await;
    assert_eq!(bypass["statusCode"], 200);
    assert_eq!(body_json(&bypass)["user"], json!({"bypass": true}));
    assert_eq!(
        call(&app, &whoami(Some("internal-bypass-8"), None)).await["statusCode"],
        401
    );
    assert_eq!(call(&app, &whoami(None, None)).await["statusCode"], 401);
}

#[tokio::test]
async fn a_user_mode_without_any_verifier_is_a_configuration_error() {
    let err = app().auth_mode(AuthMode::User).into_service().unwrap_err();
    assert!(err.to_string().contains("AUTHORIZATION"), "{err}");
    let err = common::app()
        .env(Env::from_pairs([("AUTHORIZATION", "sometimes")]))
        .into_service()
        .unwrap_err();
    assert!(err.to_string().contains("AUTHORIZATION"), "{err}");
}

#[tokio::test]
async fn the_state_header_name_is_configurable() {
    let app = lambda(app().state_header("constitution-state"));
    let event = Event::http_api()
        .method("GET")
        .path("/whoami")
        .header("constitution-state", "new_jersey");
    assert_eq!(body_json(&call(&app, &event).await)["state"], "new_jersey");
    let env_app =
        lambda(common::app().env(Env::from_pairs([("UPDRAFT_STATE_HEADER", "x-tenant")])));
    let event = Event::alb()
        .method("GET")
        .path("/whoami")
        .header("x-tenant", "vermont");
    assert_eq!(body_json(&call(&env_app, &event).await)["state"], "vermont");
    let bad = common::app()
        .env(Env::from_pairs([("UPDRAFT_STATE_HEADER", "not a header")]))
        .into_service();
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("UPDRAFT_STATE_HEADER")
    );
}

#[tokio::test]
async fn the_session_works_under_every_source() {
    let app = lambda(
        app()
            .auth_mode(AuthMode::Full)
            .token_verifier(verifier())
            .strip_prefixes(["/shop"]),
    );
    for (name, event) in Event::every_source() {
        let event = event
            .path("/whoami")
            .header("authorization", "Bearer t-alice")
            .header("constitution-state", "maine");
        let body = body_json(&call(&app, &event).await);
        assert_eq!(body["user"]["id"], "alice", "{name}");
        assert_eq!(body["deep"], "maine", "{name}");
    }
}
