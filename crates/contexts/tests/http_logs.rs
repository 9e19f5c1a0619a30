//! Every log line of a request carries its ids; one access line per request; tokens never
//! appear. One test in its own binary, because `cold_start` is per process.
#![allow(clippy::unwrap_used, reason = "tests")]

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tower::ServiceExt;
use updraft_contexts::http::testing::Event;
use updraft_contexts::http::{App, AuthMode, LambdaService, Verdict, verifier_fn};
use updraft_contexts::lambda_http::request::LambdaRequest;
use updraft_contexts::lambda_runtime::{Context, LambdaEvent};
use updraft_contexts::logging::{Settings, install_panic_hook, subscriber};
use updraft_core::Env;
use updraft_testkit::LogBuffer;

async fn boom() -> &'static str {
    panic!("kaboom")
}

fn app() -> LambdaService {
    let router = Router::new()
        .route(
            "/work/{id}",
            get(|| async {
                tracing::info!(step = "inside", "the handler works");
                "done"
            }),
        )
        .route("/panic", get(boom));
    App::new(router)
        .env(Env::default())
        .auth_mode(AuthMode::User)
        .token_verifier(verifier_fn(|t: String| async move {
            Ok(if t == "t-secret-123" {
                Verdict::Allow(json!({"id": 1}))
            } else {
                Verdict::Unknown
            })
        }))
        .into_lambda_service()
        .unwrap()
}

async fn send(app: &LambdaService, path: &str, request_id: &str) -> Value {
    let event = Event::rest_api()
        .method("GET")
        .path(path)
        .header("authorization", "Bearer t-secret-123");
    let payload: LambdaRequest = serde_json::from_slice(&event.to_bytes()).unwrap();
    let mut context = Context::default();
    context.request_id = request_id.into();
    context.xray_trace_id = Some("Root=1-5e66d96f-7491f09xmpl79d18acf3d050".into());
    app.clone()
        .oneshot(LambdaEvent::new(payload, context))
        .await
        .unwrap()
        .to_json()
}

fn check_request_lines(lines: &[Value], id: &str, cold: bool) {
    let request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == id)
        .collect();
    assert!(request.len() >= 2, "{id}: {lines:?}");
    for line in &request {
        assert_eq!(
            line["span"]["apigw_request_id"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "{line}"
        );
        assert_eq!(
            line["span"]["xray_trace_id"], "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
            "{line}"
        );
        assert_eq!(line["span"]["cold_start"], cold, "{line}");
        assert_eq!(line["span"]["source"], "rest-api");
    }
    assert!(
        request
            .iter()
            .any(|l| l["message"] == "the handler works" && l["step"] == "inside")
    );
    let access: Vec<_> = request
        .iter()
        .filter(|l| l["target"] == "updraft::access")
        .collect();
    assert_eq!(access.len(), 1, "{id}");
    assert_eq!(access[0]["method"], "GET");
    assert_eq!(access[0]["route"], "/work/{id}");
    assert_eq!(access[0]["status"], 200);
    assert!(access[0]["latency_ms"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn request_lines_carry_ids_cold_start_and_an_access_line_and_never_the_token() {
    let capture = LogBuffer::default();
    let settings = Settings::from_env(&Env::from_pairs([(
        "AWS_LAMBDA_RUNTIME_API",
        "127.0.0.1:1",
    )]))
    .unwrap();
    let writer = capture.clone();
    let _guard =
        tracing::subscriber::set_default(subscriber(&settings, move || writer.clone(), false));
    install_panic_hook();

    let app = app();
    assert_eq!(send(&app, "/work/1", "req-1").await["statusCode"], 200);
    assert_eq!(send(&app, "/work/2", "req-2").await["statusCode"], 200);
    assert_eq!(send(&app, "/panic", "req-3").await["statusCode"], 500);

    let lines = capture.json_lines();
    check_request_lines(&lines, "req-1", true);
    check_request_lines(&lines, "req-2", false);
    let panic: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == "req-3")
        .collect();
    let logged = panic
        .iter()
        .find(|l| l["target"] == "updraft::panic")
        .expect("the panic is logged");
    assert_eq!(logged["panic_message"], "kaboom");
    assert!(
        logged["panic_location"]
            .as_str()
            .unwrap()
            .contains("http_logs.rs")
    );
    assert!(
        panic
            .iter()
            .any(|l| l["target"] == "updraft::access" && l["status"] == 500)
    );
    assert!(
        !capture.text().contains("t-secret-123"),
        "the bearer token was logged"
    );
}
