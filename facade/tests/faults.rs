//! Every client against a connection that dies mid-call, and against a server that takes the
//! request and never answers: each returns a typed error (Unavailable or Timeout) within its
//! configured timeouts, and nothing hangs.
//!
//! The faults come from a cut proxy between the client and its real local server (DynamoDB
//! Local, moto, PostgreSQL): no local server drops a connection mid-answer or hangs on demand.
#![cfg(all(
    feature = "dynamo",
    feature = "sqs-backend",
    feature = "sns",
    feature = "secrets",
    feature = "websocket",
    feature = "rds-iam-auth",
    feature = "testing"
))]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use updraft::core::aws::ConfigLoader;
use updraft::core::error::{Kind, Surface};
use updraft::core::{Env, SdkConfig};
use updraft::dynamo::{Dynamo, Model};
use updraft::secrets::{Provider, SecretsManager, Ssm};
use updraft::testing::{Answers, CutProxy, servers_env};

#[derive(Model, Debug, Clone, serde::Serialize, serde::Deserialize)]
#[dynamo(table = "orders")]
struct Order {
    #[dynamo(hash)]
    id: String,
}

/// The read timeout of every client here, and the limit on a whole call with its retries.
const READ: Duration = Duration::from_secs(1);
const OPERATION: Duration = Duration::from_secs(3);

/// How a call may end: soon after the operation timeout, never later.
const GRACE: Duration = Duration::from_secs(2);

fn upstream(variable: &str) -> SocketAddr {
    let url = servers_env().require(variable).unwrap().to_owned();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    host.parse().unwrap()
}

async fn config_through(proxy: &CutProxy) -> SdkConfig {
    ConfigLoader::new()
        .env(Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ]))
        .endpoint_url(proxy.url())
        .connect_timeout(READ)
        .read_timeout(READ)
        .operation_timeout(OPERATION)
        .max_attempts(2)
        .load()
        .await
        .unwrap()
}

/// Runs `call` through a proxy to `upstream` twice: once cut as soon as the request is under
/// way, once left hanging. Both must fail in time with a transient kind.
async fn survives<F, Fut, T, E>(name: &str, upstream: SocketAddr, call: F)
where
    F: Fn(SdkConfig, CutProxyAddress) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Surface + std::fmt::Debug,
    T: std::fmt::Debug,
{
    for cut in [true, false] {
        let proxy = CutProxy::start(upstream, Answers::Hold).await;
        let config = config_through(&proxy).await;
        let started = Instant::now();
        let outcome = tokio::time::timeout(OPERATION + GRACE * 2, async {
            let pending = call(config, CutProxyAddress(proxy.address()));
            tokio::pin!(pending);
            if cut {
                tokio::select! {
                    done = &mut pending => return done,
                    arrived = proxy.wait_for_request(OPERATION) => assert!(arrived, "{name}: no request reached the proxy"),
                }
                proxy.cut();
            }
            pending.await
        })
        .await
        .unwrap_or_else(|_| panic!("{name} (cut: {cut}) hung"));
        let elapsed = started.elapsed();
        let error = outcome.expect_err(name);
        assert!(
            matches!(error.kind(), Kind::Unavailable | Kind::Timeout),
            "{name} (cut: {cut}): {:?} is {:?}",
            error,
            error.kind()
        );
        assert!(
            elapsed <= OPERATION + GRACE,
            "{name} (cut: {cut}) took {elapsed:?}"
        );
    }
}

/// The proxy's address, for clients (the database pool) that take a host and port.
#[derive(Clone, Copy)]
struct CutProxyAddress(SocketAddr);

#[tokio::test]
async fn dynamodb_returns_a_typed_error_in_time() {
    survives(
        "dynamodb",
        upstream("AWS_ENDPOINT_URL_DYNAMODB"),
        |config, _| async move {
            Dynamo::new(&config)
                .table_named::<Order>("orders")
                .get("o-1")
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn sqs_returns_a_typed_error_in_time() {
    survives(
        "sqs",
        upstream("AWS_ENDPOINT_URL"),
        |config, _| async move {
            updraft::sqs_backend::Queue::<Order>::from_url(
                &config,
                "http://127.0.0.1/123456789012/jobs",
            )
            .send(&Order { id: "o-1".into() })
            .await
        },
    )
    .await;
}

#[tokio::test]
async fn sns_returns_a_typed_error_in_time() {
    survives(
        "sns",
        upstream("AWS_ENDPOINT_URL"),
        |config, _| async move {
            updraft::sns::Topic::<Order>::from_arn(
                &config,
                "arn:aws:sns:us-east-1:123456789012:orders",
            )
            .publish(&Order { id: "o-1".into() })
            .await
        },
    )
    .await;
}

#[tokio::test]
async fn ssm_returns_a_typed_error_in_time() {
    survives(
        "ssm",
        upstream("AWS_ENDPOINT_URL"),
        |config, _| async move { Ssm::new(&config).get("/app/db").await },
    )
    .await;
}

#[tokio::test]
async fn secrets_manager_returns_a_typed_error_in_time() {
    survives(
        "secretsmanager",
        upstream("AWS_ENDPOINT_URL"),
        |config, _| async move { SecretsManager::new(&config).get("prod/db").await },
    )
    .await;
}

#[tokio::test]
async fn api_gateway_management_returns_a_typed_error_in_time() {
    survives(
        "apigatewaymanagement",
        upstream("AWS_ENDPOINT_URL"),
        |config, _| async move {
            let endpoint = updraft::websocket::Endpoint::stage(
                "abc123.execute-api.us-east-1.amazonaws.com",
                "$default",
            )
            .unwrap();
            updraft::websocket::WebsocketClient::new(&config, &endpoint)
                .send("L0SM9cOFvHcCIhw=", "hello")
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn rds_pools_return_a_typed_error_in_time() {
    let database = servers_env().require("DATABASE_URL").unwrap().to_owned();
    let port: u16 = database
        .rsplit(':')
        .next()
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let ca = servers_env()
        .require("UPDRAFT_PG_CA_CERT")
        .unwrap()
        .to_owned();
    survives(
        "rds pool",
        SocketAddr::from(([127, 0, 0, 1], port)),
        move |config, proxy| {
            let ca = ca.clone();
            async move {
                let settings = updraft::rds_iam_auth::Settings::new(
                    updraft::rds_iam_auth::Engine::Postgres,
                    "127.0.0.1",
                    "updraft",
                    &ca,
                )
                .with_password("updraft")
                .with_port(proxy.0.port());
                updraft::rds_iam_auth::PoolBuilder::new(settings)
                    .acquire_timeout(READ * 2)
                    .postgres(&config)
                    .await
            }
        },
    )
    .await;
}
