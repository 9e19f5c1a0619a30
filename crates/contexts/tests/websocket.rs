//! WebSocket routes: dispatch by route key, with the connection a push needs.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft_contexts::cli::invoke;
use updraft_contexts::websocket::{Message, Reply, Routes};

const CONNECT: &str = include_str!("../fixtures/websocket-connect.json");
const DISCONNECT: &str = include_str!("../fixtures/websocket-disconnect.json");
const MESSAGE: &str = include_str!("../fixtures/websocket-message.json");

fn routes() -> Routes {
    Routes::new()
        .on("$connect", |m: Message| async move {
            Ok::<_, String>(Reply::json(&json!({"connected": m.connection.id, "domain": m.connection.domain_name, "stage": m.connection.stage})))
        })
        .on("$disconnect", |_: Message| async { Ok::<_, String>(Reply::ok()) })
        .on("sendmessage", |m: Message| async move {
            let body: Value = serde_json::from_str(&m.body.unwrap_or_default()).map_err(|e| e.to_string())?;
            Ok::<_, String>(Reply::text(body["text"].as_str().unwrap_or_default().to_uppercase()))
        })
}

#[tokio::test]
async fn routes_get_the_connection_a_push_needs() {
    let response = invoke(routes(), CONNECT.as_bytes(), None).await.unwrap();
    assert_eq!(response["statusCode"], 200);
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"connected": "LWgYPdVDoAMCI5g=", "domain": "abcdef1234.execute-api.us-east-1.amazonaws.com", "stage": "production"})
    );
    let message = invoke(routes(), MESSAGE.as_bytes(), None).await.unwrap();
    assert_eq!(message["body"], "HELLO");
    let disconnect = invoke(routes(), DISCONNECT.as_bytes(), None).await.unwrap();
    assert_eq!(disconnect["statusCode"], 200);
}

#[tokio::test]
async fn unknown_keys_go_to_default_or_get_a_404() {
    let mut event: Value = serde_json::from_str(MESSAGE).unwrap();
    event["requestContext"]["routeKey"] = json!("other");
    let response = invoke(routes(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 404);
    let with_default = routes().on("$default", |_: Message| async {
        Ok::<_, String>(Reply::text("fallback"))
    });
    let response = invoke(with_default, event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(response["body"], "fallback");
}

#[tokio::test]
async fn failures_panics_and_missing_connections_are_answers_not_crashes() {
    let failing = Routes::new()
        .on("$connect", |_: Message| async {
            Err::<Reply, _>(
                "PostToConnection: User: arn:aws:sts::123456789012:assumed-role/chat is not authorized",
            )
        })
        .on("sendmessage", |_: Message| async {
            panic!("boom");
            #[allow(unreachable_code, reason = "the type of the future")]
            Ok::<Reply, String>(Reply::ok())
        });
    let refused = invoke(failing.clone(), CONNECT.as_bytes(), Some("ws-request-1"))
        .await
        .unwrap();
    assert_eq!(refused["statusCode"], 500);
    let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"message": "internal server error", "request_id": "ws-request-1"}),
        "the handler's error (an ARN, an account id) stays in the log"
    );
    assert_eq!(
        invoke(failing.clone(), MESSAGE.as_bytes(), None)
            .await
            .unwrap()["statusCode"],
        500
    );
    let mut event: Value = serde_json::from_str(MESSAGE).unwrap();
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("connectionId");
    assert_eq!(
        invoke(failing, event.to_string().as_bytes(), None)
            .await
            .unwrap()["statusCode"],
        400
    );
    let diagnostic = invoke(routes(), br#"{"requestContext": 5}"#, None)
        .await
        .unwrap_err();
    assert_eq!(diagnostic.error_type, "updraft.contexts.UnrecognizedEvent");
}
