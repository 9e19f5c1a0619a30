//! The chat driven with WebSocket events against DynamoDB Local and moto. moto accepts any
//! connection id and never answers 410, so a fake stands in front of it
//! (`updraft::testing::gone_connections`): ids starting with `stale` answer as API Gateway does
//! for a gone connection; every other push reaches moto (without the stage prefix, the only
//! form moto's server serves).
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;

use example_websocket_chat::{Chat, Connection};
use serde_json::Value;
use updraft::contexts::aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use updraft::contexts::websocket::Routes;
use updraft::core::Env;
use updraft::core::aws::ConfigLoader;
use updraft::dynamo::Dynamo;
use updraft::dynamo::testing::TempTable;
use updraft::testing::{FaultProxy, gone_connections, servers_env};

fn event(route: &str, connection: &str, body: Option<&str>) -> ApiGatewayWebsocketProxyRequest {
    let mut event: Value = serde_json::from_str(include_str!("fixtures/event.json")).unwrap();
    let kind = match route {
        "$connect" => "CONNECT",
        "$disconnect" => "DISCONNECT",
        _ => "MESSAGE",
    };
    event["requestContext"]["routeKey"] = route.into();
    event["requestContext"]["eventType"] = kind.into();
    event["requestContext"]["connectionId"] = connection.into();
    event["body"] = body.map_or(Value::Null, Value::from);
    serde_json::from_value(event).unwrap()
}

fn moto() -> SocketAddr {
    servers_env()
        .require("MOTO_URL")
        .unwrap()
        .trim_start_matches("http://")
        .parse()
        .unwrap()
}

async fn ids(table: &TempTable<Connection>) -> Vec<String> {
    let mut ids: Vec<String> = table
        .scan()
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn connections_are_stored_broadcast_to_pruned_and_removed() {
    let proxy = FaultProxy::start(moto(), gone_connections).await;
    let servers = servers_env();
    let env = Env::from_pairs(servers.added().chain([(
        "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",
        proxy.url().as_str(),
    )]));
    let config = ConfigLoader::new().env(env).load().await.unwrap();
    let table = TempTable::<Connection>::new(&Dynamo::new(&config))
        .await
        .unwrap();
    let routes: Routes = Chat::new(&config, table.table().clone()).routes();

    for id in ["alice", "bob", "stale-carol"] {
        let reply = routes.dispatch(event("$connect", id, None)).await;
        assert_eq!(reply.status_code, 200, "{reply:?}");
    }
    assert_eq!(ids(&table).await, ["alice", "bob", "stale-carol"]);
    let stored = table.get("alice").await.unwrap().unwrap();
    assert!(stored.connected_at.is_some() && stored.expires.is_some());

    let reply = routes
        .dispatch(event("$default", "alice", Some("hello, all")))
        .await;
    assert_eq!(reply.status_code, 200, "{reply:?}");
    let body: Value = serde_json::from_slice(&reply.body.unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({"reached": 2, "pruned": 1}));
    assert_eq!(
        ids(&table).await,
        ["alice", "bob"],
        "the stale connection is pruned"
    );
    let mut pushed: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| format!("{} {}", r.target, r.body))
        .collect();
    pushed.sort();
    assert_eq!(
        pushed,
        [
            "/production/@connections/alice hello, all",
            "/production/@connections/bob hello, all",
            "/production/@connections/stale-carol hello, all",
        ]
    );

    let reply = routes.dispatch(event("$disconnect", "bob", None)).await;
    assert_eq!(reply.status_code, 200);
    assert_eq!(ids(&table).await, ["alice"]);
}

#[tokio::test]
async fn an_event_without_a_connection_is_refused_not_stored() {
    let config = updraft::testing::aws_config().await;
    let table = TempTable::<Connection>::new(&Dynamo::new(&config))
        .await
        .unwrap();
    let routes = Chat::new(&config, table.table().clone()).routes();
    let reply = routes.dispatch(event("$connect", "", None)).await;
    assert_eq!(reply.status_code, 400);
    assert!(ids(&table).await.is_empty());
}
