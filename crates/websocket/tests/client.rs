//! The client against moto, through a recording proxy so that the paths each stage form sends
//! to can be checked; and, for what moto cannot do (it accepts any connection id and never
//! answers 410, and the SDK cannot read its `get_connection` answer), a fake that answers as
//! API Gateway does.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use updraft_core::SdkConfig;
use updraft_core::aws::ConfigLoader;
use updraft_testkit::{Canned, Exchange, FaultProxy, Recorded, servers_env};
use updraft_websocket::{
    Endpoint, Error, MAX_CACHED_STAGES, MAX_PAYLOAD, WebsocketClient, WebsocketClients,
};

fn moto() -> SocketAddr {
    let url = servers_env().require("MOTO_URL").unwrap().to_owned();
    url.trim_start_matches("http://").parse().unwrap()
}

async fn config_to(url: &str) -> SdkConfig {
    ConfigLoader::new()
        .env(servers_env())
        .endpoint_url(url)
        .load()
        .await
        .unwrap()
}

fn last(proxy: &FaultProxy) -> Recorded {
    proxy.requests().pop().unwrap()
}

/// Records the path the client sends (with its stage or base path), and forwards it to moto
/// without that prefix: moto's server serves API Gateway Management calls only at
/// `/@connections/…`.
fn unprefixed(request: &Recorded) -> Exchange {
    let at = request.target.find("/@connections/").unwrap_or(0);
    Exchange {
        target: Some(request.target[at..].to_owned()),
        ..Exchange::pass(request)
    }
}

#[tokio::test]
async fn every_stage_form_sends_to_its_path_on_moto() {
    let proxy = FaultProxy::start(moto(), unprefixed).await;
    let config = config_to(&proxy.url()).await;
    let domain = "abc123.execute-api.us-east-1.amazonaws.com";
    let forms = [
        (Endpoint::stage(domain, "prod").unwrap(), "/prod"),
        (Endpoint::stage(domain, "$default").unwrap(), ""),
        (Endpoint::api("abc123", "us-east-1", "dev").unwrap(), "/dev"),
        (
            Endpoint::custom_domain("chat.example.com", Some("v1/chat")).unwrap(),
            "/v1/chat",
        ),
        (Endpoint::for_connection(domain, "beta").unwrap(), "/beta"),
    ];
    for (endpoint, prefix) in forms {
        let client = WebsocketClient::new(&config, &endpoint);
        assert_eq!(client.endpoint_url(), format!("{}{prefix}", proxy.url()));
        client.send("L0SM9cOFvHcCIhw=", "hello").await.unwrap();
        let sent = last(&proxy);
        assert_eq!(
            (sent.method.as_str(), sent.target.as_str()),
            (
                "POST",
                format!("{prefix}/@connections/L0SM9cOFvHcCIhw%3D").as_str()
            )
        );
        assert_eq!(sent.body, "hello");
        client
            .send_json("c-2", &serde_json::json!({"text": "hi"}))
            .await
            .unwrap();
        assert_eq!(last(&proxy).body, r#"{"text":"hi"}"#);
        client.disconnect("c-2").await.unwrap();
        let deleted = last(&proxy);
        assert_eq!(
            (deleted.method.as_str(), deleted.target.as_str()),
            ("DELETE", format!("{prefix}/@connections/c-2").as_str())
        );
    }
}

fn websocket_event(
    domain: Option<&str>,
    stage: Option<&str>,
) -> aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest {
    serde_json::from_value(serde_json::json!({
        "requestContext": {
            "routeKey": "$default", "eventType": "MESSAGE", "connectionId": "c-1",
            "domainName": domain, "stage": stage, "apiId": "abc123", "requestId": "r-1",
            "connectedAt": 1_700_000_000_000_i64, "requestTimeEpoch": 1_700_000_000_000_i64
        },
        "isBase64Encoded": false
    }))
    .unwrap()
}

#[tokio::test]
async fn clients_per_stage_are_built_once_and_reach_their_stage_on_moto() {
    let proxy = FaultProxy::start(moto(), unprefixed).await;
    let clients = WebsocketClients::new(&config_to(&proxy.url()).await);
    let domain = "abc123.execute-api.us-east-1.amazonaws.com";
    for stage in ["prod", "beta", "prod", "beta", "prod"] {
        let push = clients
            .for_request(&websocket_event(Some(domain), Some(stage)))
            .unwrap();
        push.send("c-1", "hi").await.unwrap();
        assert_eq!(last(&proxy).target, format!("/{stage}/@connections/c-1"));
    }
    assert_eq!(clients.len(), 2, "one client per stage");
    let shared = clients.clone();
    shared.for_connection(domain, "prod").unwrap();
    assert_eq!(clients.len(), 2, "clones share the cache");
    // Events that name no stage, or a malformed one, are typed errors; they cache nothing.
    for event in [
        websocket_event(None, Some("prod")),
        websocket_event(Some(domain), None),
        websocket_event(Some("not a domain/x"), Some("prod")),
    ] {
        assert!(matches!(
            clients.for_request(&event),
            Err(Error::InvalidEndpoint(_))
        ));
    }
    // Past the bound, clients are still made, but not kept.
    for n in 0..MAX_CACHED_STAGES + 5 {
        clients.for_connection(domain, &format!("s{n}")).unwrap();
    }
    assert_eq!(clients.len(), MAX_CACHED_STAGES);
}

#[tokio::test]
async fn an_oversized_payload_is_refused_before_any_call() {
    let proxy = FaultProxy::start(moto(), unprefixed).await;
    let config = config_to(&proxy.url()).await;
    let client = WebsocketClient::new(
        &config,
        &Endpoint::stage("x.execute-api.us-east-1.amazonaws.com", "prod").unwrap(),
    );
    let error = client
        .send("c", vec![b'x'; MAX_PAYLOAD + 1])
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { size, max } if size == MAX_PAYLOAD + 1 && max == MAX_PAYLOAD)
    );
    client.send("c", vec![b'x'; MAX_PAYLOAD]).await.unwrap();
    assert_eq!(
        proxy.requests().len(),
        1,
        "only the message that fits was sent"
    );
}

/// A fake in front of moto: connections whose id starts with `stale` answer as API Gateway
/// does for a connection that is gone (410, `GoneException`); `GET` answers API Gateway's
/// documented `GetConnection` shape, which the SDK reads (moto's it cannot).
fn api_gateway_fake(request: &Recorded) -> Exchange {
    let stale = request.target.contains("/@connections/stale");
    let get = request.method == "GET";
    Exchange {
        answer: Box::new(move |answer| {
            if stale {
                Canned::status(410, "application/json", r#"{"message":null}"#)
                    .with_header("x-amzn-ErrorType", "GoneException")
            } else if get {
                Canned::ok(
                    "application/json",
                    r#"{"connectedAt":"2026-12-01T10:00:00.000Z","identity":{"sourceIp":"192.0.2.7","userAgent":"wscat/5"},"lastActiveAt":"2026-12-01T10:05:00.000Z"}"#,
                )
            } else {
                answer
            }
        }),
        ..unprefixed(request)
    }
}

#[tokio::test]
async fn fake_gone_connections_are_their_own_error_and_broadcasts_prune_them() {
    let proxy = FaultProxy::start(moto(), api_gateway_fake).await;
    let config = config_to(&proxy.url()).await;
    let client = WebsocketClient::new(
        &config,
        &Endpoint::stage("x.execute-api.us-east-1.amazonaws.com", "prod").unwrap(),
    );
    let error = client.send("stale-1", "hi").await.unwrap_err();
    assert!(
        matches!(&error, Error::Gone(id) if id == "stale-1"),
        "{error:?}"
    );
    assert!(matches!(
        client.disconnect("stale-1").await,
        Err(Error::Gone(_))
    ));

    let pruned = Arc::new(Mutex::new(Vec::new()));
    let store = pruned.clone();
    let ids = ["a", "stale-1", "b", "stale-2", "c"];
    let report = client
        .broadcast(ids, "to everyone")
        .concurrency(2)
        .on_gone(move |id| {
            let store = store.clone();
            async move { store.lock().unwrap().push(id) }
        })
        .await;
    assert_eq!(
        report
            .results
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        ids,
        "in the order given"
    );
    assert_eq!(report.sent().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(report.gone().collect::<Vec<_>>(), ["stale-1", "stale-2"]);
    assert_eq!(report.failed().count(), 0);
    let mut pruned = pruned.lock().unwrap().clone();
    pruned.sort();
    assert_eq!(pruned, ["stale-1", "stale-2"]);

    let too_big = client.broadcast(["a", "b"], vec![0; MAX_PAYLOAD + 1]).await;
    assert!(
        too_big
            .results
            .iter()
            .all(|(_, r)| matches!(r, Err(Error::TooLarge { .. })))
    );
}

#[tokio::test]
async fn fake_get_connection_reads_api_gateways_answer() {
    let proxy = FaultProxy::start(moto(), api_gateway_fake).await;
    let config = config_to(&proxy.url()).await;
    let client = WebsocketClient::new(
        &config,
        &Endpoint::stage("x.execute-api.us-east-1.amazonaws.com", "$default").unwrap(),
    );
    let info = client.get_connection("c-9").await.unwrap();
    assert_eq!(info.source_ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(info.user_agent.as_deref(), Some("wscat/5"));
    let connected = info.connected_at.unwrap();
    assert_eq!(
        connected
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        1_796_119_200
    );
    assert!(info.last_active_at.unwrap() > connected);
    let get = last(&proxy);
    assert_eq!(
        (get.method.as_str(), get.target.as_str()),
        ("GET", "/@connections/c-9")
    );
    assert!(matches!(
        client.get_connection("stale-3").await,
        Err(Error::Gone(_))
    ));
}

#[test]
fn malformed_endpoints_are_typed_errors() {
    for (domain, stage) in [
        ("", "prod"),
        ("not a domain", "prod"),
        ("x.execute-api.us-east-1.amazonaws.com", ""),
    ] {
        let error = Endpoint::for_connection(domain, stage).unwrap_err();
        assert!(matches!(error, Error::InvalidEndpoint(_)), "{error}");
    }
}
