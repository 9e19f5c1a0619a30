//! `TokenStore` on DynamoDB Local, on its own and as the HTTP context's verifier: issued,
//! denied, revoked and expired tokens, only hashes stored, and a missing table answered
//! without AWS's text.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use updraft_contexts::axum::{Router, routing::get};
use updraft_contexts::http::testing::{Event, invoke};
use updraft_contexts::http::{App, AuthMode, CurrentSession, LambdaService, Verdict};
use updraft_core::Env;
use updraft_dynamo::auth::TokenStore;
use updraft_dynamo::{Capacity, Dynamo, Error};

async fn store() -> (Dynamo, String, TokenStore) {
    let dynamo = Dynamo::new(&updraft_testkit::aws_config().await);
    let name = updraft_testkit::unique_name("tokens");
    let tokens = TokenStore::new(&dynamo, &name);
    tokens.create_table(Capacity::OnDemand).await.unwrap();
    (dynamo, name, tokens)
}

fn app(tokens: TokenStore) -> LambdaService {
    let whoami = |CurrentSession(session): CurrentSession| async move {
        updraft_contexts::axum::Json(json!({ "user": session.user }))
    };
    App::new(Router::new().route("/whoami", get(whoami)))
        .env(Env::default())
        .auth_mode(AuthMode::User)
        .token_verifier(tokens)
        .into_lambda_service()
        .unwrap()
}

async fn whoami(app: &LambdaService, token: &str) -> (u16, Value) {
    let event = Event::http_api()
        .method("GET")
        .path("/whoami")
        .header("authorization", &format!("Bearer {token}"));
    let response = invoke(app, event.to_bytes()).await.unwrap();
    let status = u16::try_from(response["statusCode"].as_u64().unwrap()).unwrap();
    let body =
        serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn issued_denied_revoked_and_expired_tokens_answer_as_they_should() {
    let (dynamo, table, tokens) = store().await;
    let alice = json!({"id": "alice", "roles": ["clerk"]});
    tokens.issue("t-alice", &alice, None).await.unwrap();
    tokens
        .issue("t-bob", &json!({"id": "bob"}), None)
        .await
        .unwrap();
    let past = SystemTime::now() - Duration::from_secs(60);
    tokens
        .issue("t-old", &json!({"id": "old"}), Some(past))
        .await
        .unwrap();
    let later = SystemTime::now() + Duration::from_secs(3600);
    tokens
        .issue("t-soon", &json!({"id": "soon"}), Some(later))
        .await
        .unwrap();

    let app = app(tokens.clone());
    assert_eq!(whoami(&app, "t-alice").await, (200, json!({"user": alice})));
    assert_eq!(whoami(&app, "t-soon").await.0, 200);
    assert_eq!(
        whoami(&app, "t-old").await.0,
        401,
        "an expired token is unknown"
    );
    assert_eq!(whoami(&app, "t-nobody").await.0, 401);

    tokens.deny("t-bob", "suspended").await.unwrap();
    let (status, body) = whoami(&app, "t-bob").await;
    assert_eq!(status, 403);
    assert!(
        body["message"].as_str().unwrap().contains("suspended"),
        "{body}"
    );
    tokens.revoke("t-alice").await.unwrap();
    assert_eq!(
        whoami(&app, "t-alice").await.0,
        401,
        "a revocation holds at once"
    );
    assert!(matches!(
        tokens.deny("t-never-issued", "x").await,
        Err(Error::ConditionFailed { .. })
    ));
    assert_eq!(
        tokens.lookup("t-soon", later).await.unwrap(),
        Verdict::Unknown,
        "at its expiry a token stops working"
    );

    // Only hashes are stored: no attribute of the table holds a token.
    let items = dynamo.sdk().scan().table_name(&table).send().await.unwrap();
    let dump = format!("{:?}", items.items());
    for token in ["t-bob", "t-old", "t-soon"] {
        assert!(!dump.contains(token), "{token} is stored in the clear");
    }
    dynamo
        .sdk()
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_missing_table_is_a_server_fault_without_awss_text() {
    let dynamo = Dynamo::new(&updraft_testkit::aws_config().await);
    let table = updraft_testkit::unique_name("no-such-tokens");
    let (status, body) = whoami(&app(TokenStore::new(&dynamo, &table)), "t-any").await;
    assert_eq!(status, 500, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains(&table), "{message}");
    assert!(!message.contains("ResourceNotFound"), "{message}");
}
