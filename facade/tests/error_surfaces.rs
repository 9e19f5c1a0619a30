//! What a caller gets when an AWS call fails under each context: a stable message and the
//! request id, never AWS's error text, an ARN, an account id or a resource name. The whole
//! error goes to the log.
//!
//! The failing call is a DynamoDB `GetItem` refused by IAM. Neither DynamoDB Local nor moto
//! enforces IAM, so a fake endpoint (named as such in each test) answers it the way DynamoDB
//! does, with the role's ARN, the account id and the table's name in the message. A real
//! failure of DynamoDB Local (a table that does not exist) is checked the same way.
#![cfg(all(feature = "contexts", feature = "dynamo", feature = "testing"))]
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft::contexts::axum::Router;
use updraft::contexts::axum::extract::Path;
use updraft::contexts::axum::routing::get;
use updraft::contexts::http::testing::{Event, invoke as invoke_http};
use updraft::contexts::http::{ApiResult, App};
use updraft::contexts::websocket::{Message, Reply, Routes};
use updraft::contexts::{cli, sqs};
use updraft::core::Env;
use updraft::dynamo::{Dynamo, Model, Table};
use updraft::testing::{Canned, FakeEndpoint, LogBuffer, every_callsite_interesting, unique_name};

#[derive(Model, Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[dynamo(table = "orders")]
struct Order {
    #[dynamo(hash)]
    id: String,
}

const TABLE: &str = "orders-ledger-7f3a";
const ACCOUNT: &str = "123456789012";

/// What must never reach a caller.
const LEAKS: [&str; 5] = ["arn:aws", ACCOUNT, TABLE, "not authorized", "assumed-role"];

fn access_denied() -> Canned {
    Canned::status(
        400,
        "application/x-amz-json-1.0",
        format!(
            r#"{{"__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException", "message": "User: arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/lambda is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE} because no identity-based policy allows the dynamodb:GetItem action"}}"#
        ),
    )
}

async fn refusing_table(calls: usize) -> (FakeEndpoint, Table<Order>) {
    let fake = FakeEndpoint::start((0..calls).map(|_| access_denied()).collect()).await;
    let table = Dynamo::new(&fake.aws_config().await).table_named::<Order>(TABLE);
    (fake, table)
}

fn assert_clean(what: &str, text: &str) {
    for leak in LEAKS {
        assert!(!text.contains(leak), "{what} shows `{leak}`: {text}");
    }
}

fn http_app(table: Table<Order>) -> App {
    let router = Router::new().route(
        "/orders/{id}",
        get(move |Path(id): Path<String>| {
            let table = table.clone();
            async move {
                let order: ApiResult<_> = Ok(table.get(id).await?);
                order.map(|o| updraft::contexts::axum::Json(json!(o)))
            }
        }),
    );
    App::new(router).env(Env::default())
}

#[tokio::test]
async fn fake_http_callers_get_a_stable_message_and_the_log_gets_the_detail() {
    // The other tests of this file log with no subscriber while this one captures.
    every_callsite_interesting();
    let (_fake, table) = refusing_table(1).await;
    let service = http_app(table).into_lambda_service().unwrap();
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let event = Event::http_api().method("GET").path("/orders/o-1");
    let response = invoke_http(&service, event.to_bytes()).await.unwrap();
    assert_eq!(response["statusCode"], 500, "{response}");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["message"], "internal server error");
    assert_eq!(body["request_id"], "test-request-id");
    assert_clean("the HTTP response", &response.to_string());
    let logged = logs.text();
    assert!(
        logged.contains("AccessDeniedException") && logged.contains("assumed-role"),
        "the log has the whole chain: {logged}"
    );
}

#[tokio::test]
async fn fake_invoke_callers_get_the_errors_message_without_aws_text() {
    let (_fake, table) = refusing_table(1).await;
    let handler = updraft::contexts::invoke::handler(move |id: String| {
        let table = table.clone();
        async move { table.get(id).await.map(|o| json!(o)) }
    });
    let event = json!({"session": {"state": "ohio"}, "data": "o-1"});
    let envelope = handler.call(event).await;
    assert!(!envelope.success);
    let error = envelope.error.unwrap();
    assert!(error.contains("AccessDeniedException"), "{error}");
    assert_clean("the invoke envelope", &error);
}

#[tokio::test]
async fn fake_websocket_clients_get_a_stable_message_and_the_request_id() {
    let (_fake, table) = refusing_table(1).await;
    let routes = Routes::new().on("$default", move |_: Message| {
        let table = table.clone();
        async move {
            table.get("o-1").await?;
            Ok::<Reply, updraft::dynamo::Error>(Reply::ok())
        }
    });
    let event = include_str!("../../crates/contexts/fixtures/websocket-message.json");
    let mut event: Value = serde_json::from_str(event).unwrap();
    event["requestContext"]["routeKey"] = json!("$default");
    let response = cli::invoke(routes, event.to_string().as_bytes(), Some("ws-1"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 500);
    assert!(response["body"].as_str().unwrap().contains("ws-1"));
    assert_clean("the websocket reply", &response.to_string());
}

#[tokio::test]
async fn fake_sqs_batches_report_ids_only() {
    let (_fake, table) = refusing_table(1).await;
    let consumer = sqs::consumer(move |record: sqs::Record<String>| {
        let table = table.clone();
        async move { table.get(record.body).await.map(drop) }
    });
    let event = json!({"Records": [{"messageId": "m-1", "body": "\"o-1\"", "attributes": {}, "eventSource": "aws:sqs"}]});
    let response = cli::invoke(consumer.into_service(), event.to_string().as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "m-1"}]})
    );
}

#[tokio::test]
async fn a_table_missing_on_dynamodb_local_is_a_500_without_its_name() {
    let name = unique_name("orders-missing");
    let table = Dynamo::new(&updraft::testing::aws_config().await).table_named::<Order>(&name);
    let service = http_app(table.clone()).into_lambda_service().unwrap();
    let event = Event::http_api().method("GET").path("/orders/o-1");
    let response = invoke_http(&service, event.to_bytes()).await.unwrap();
    assert_eq!(
        response["statusCode"], 500,
        "a missing table is the service's fault"
    );
    assert!(!response.to_string().contains(&name), "{response}");
    let error = table.get("o-1").await.unwrap_err();
    assert!(!error.to_string().contains(&name), "{error}");
    assert_eq!(
        updraft::core::error::Surface::kind(&error),
        updraft::core::Kind::Config
    );
}
