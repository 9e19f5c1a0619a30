//! The HTTP context over SecantusDB: `TokenStore` on its own and as the context's verifier
//! (issued, revoked and expired tokens, users that are gone, only hashes stored, an
//! unreachable server answered without the driver's text), and a refused state as a 403.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use updraft_contexts::axum::{Router, routing::get};
use updraft_contexts::http::ApiError;
use updraft_contexts::http::testing::{Event, invoke};
use updraft_contexts::http::{App, AuthMode, CurrentSession, LambdaService, Verdict};
use updraft_core::Env;
use updraft_mongo_repo::auth::TokenStore;
use updraft_mongo_repo::bson::{Document, doc, oid::ObjectId};
use updraft_mongo_repo::{Mongo, Repository};

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
async fn issued_revoked_and_expired_tokens_answer_as_they_should() {
    let mongo = support::mongo("unused").await;
    let database = support::unique("auth");
    let env = Env::from_pairs([("AUTH_DB_NAME", database.as_str())]);
    let tokens = TokenStore::from_env(&mongo, &env).unwrap();
    let mut indexes = tokens.ensure_indexes().await.unwrap();
    indexes.sort();
    assert_eq!(indexes, ["expires_at_1", "token_hash_1"]);

    let users = mongo.db(&database).collection::<Document>("users");
    let alice = ObjectId::new();
    users
        .insert_many([
            doc! {"_id": alice, "email": "alice@example.com"},
            doc! {"_id": "bob", "email": "bob@example.com"},
        ])
        .await
        .unwrap();
    tokens.issue("t-alice", alice, None).await.unwrap();
    tokens.issue("t-bob", "bob", None).await.unwrap();
    tokens.issue("t-ghost", "nobody", None).await.unwrap();
    let past = SystemTime::now() - Duration::from_secs(60);
    tokens.issue("t-old", "bob", Some(past)).await.unwrap();
    let later = SystemTime::now() + Duration::from_secs(3600);
    tokens.issue("t-soon", "bob", Some(later)).await.unwrap();
    assert!(
        tokens.issue("t-bob", "bob", None).await.is_err(),
        "a token is issued once"
    );

    let app = app(tokens.clone());
    let expected = json!({"user": {"_id": alice.to_hex(), "email": "alice@example.com"}});
    assert_eq!(whoami(&app, "t-alice").await, (200, expected));
    assert_eq!(whoami(&app, "t-soon").await.0, 200);
    assert_eq!(
        whoami(&app, "t-old").await.0,
        401,
        "an expired token is unknown"
    );
    assert_eq!(
        whoami(&app, "t-ghost").await.0,
        401,
        "a token whose user is gone"
    );
    assert_eq!(whoami(&app, "t-nobody").await.0, 401);
    tokens.revoke("t-bob").await.unwrap();
    assert_eq!(
        whoami(&app, "t-bob").await.0,
        401,
        "a revocation holds at once"
    );
    assert_eq!(
        tokens.lookup("t-soon", later).await.unwrap(),
        Verdict::Unknown,
        "at its expiry a token stops working"
    );

    let stored: Vec<Document> = futures_util::TryStreamExt::try_collect(
        mongo
            .db(&database)
            .collection::<Document>("tokens")
            .find(doc! {})
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let dump = format!("{stored:?}");
    for token in ["t-alice", "t-bob", "t-old", "t-soon"] {
        assert!(!dump.contains(token), "{token} is stored in the clear");
    }
    mongo.db(&database).drop().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_503_without_the_drivers_text() {
    let env = Env::from_pairs([(
        "MONGODB_URI",
        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&directConnection=true",
    )]);
    let mongo = Mongo::from_env(&env).await.unwrap();
    let (status, body) = whoami(&app(TokenStore::new(&mongo, "auth-db")), "t-any").await;
    assert_eq!(status, 503, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        !message.contains("127.0.0.1") && !message.contains("auth-db"),
        "{message}"
    );
}

#[tokio::test]
async fn a_refused_state_is_a_403_and_a_listed_one_is_served() {
    let states = support::unique("states");
    let (ct, nj) = (support::unique("ct"), support::unique("nj"));
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &[&ct], &[&nj]).await;
    let orders: Repository<Document> = mongo.repository("orders");
    let count = move || {
        let orders = orders.clone();
        async move {
            let n = orders.count(doc! {}).await.map_err(ApiError::from)?;
            Ok::<_, ApiError>(updraft_contexts::axum::Json(json!({ "orders": n })))
        }
    };
    let app = App::new(Router::new().route("/orders", get(count)))
        .env(Env::default())
        .into_lambda_service()
        .unwrap();
    let ask = |state: &str| {
        let event = Event::http_api()
            .method("GET")
            .path("/orders")
            .header("constitution-state", state);
        invoke(&app, event.to_bytes())
    };
    let served = ask(&ct).await.unwrap();
    assert_eq!(served["statusCode"], 200, "{served}");
    for refused in [nj.as_str(), "admin", "a.b"] {
        let response = ask(refused).await.unwrap();
        assert_eq!(response["statusCode"], 403, "{refused}: {response}");
    }
    support::drop_all(&mongo, &[&states]).await;
}
