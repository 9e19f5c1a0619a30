//! The example's binary on DynamoDB Local, under concurrent retries.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use example_idempotent_payments::Payment;
use updraft::dynamo::Dynamo;
use updraft::testing::{
    ChildGuard, aws_config, free_port, request, servers_env, unique_name, wait_for_port,
};

struct Server {
    address: SocketAddr,
    payments: String,
    _process: ChildGuard,
}

async fn start() -> Server {
    let port = free_port();
    let payments = unique_name("payments");
    let idempotency = unique_name("payments-idempotency");
    let process = ChildGuard::spawn(
        "idempotent-payments",
        Command::new(env!("CARGO_BIN_EXE_idempotent-payments"))
            .envs(servers_env().added())
            .env("PORT", port.to_string())
            .env("PAYMENTS_TABLE", &payments)
            .env("IDEMPOTENCY_TABLE", &idempotency)
            .env("UPDRAFT_CREATE_TABLES", "true")
            .env("RUST_LOG", "warn")
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .stdout(Stdio::null()),
    );
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        wait_for_port(address, Duration::from_secs(60)).await,
        "idempotent-payments did not start"
    );
    Server {
        address,
        payments,
        _process: process,
    }
}

async fn pay(address: SocketAddr, key: &str, body: &str) -> updraft::testing::Reply {
    request(
        address,
        "POST",
        "/payments",
        &[
            ("idempotency-key", key),
            ("content-type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_write_one_payment_and_get_one_answer() {
    let server = start().await;
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let address = server.address;
            tokio::spawn(async move { pay(address, "k-concurrent", r#"{"amount": 500}"#).await })
        })
        .collect();
    let mut bodies = Vec::new();
    for call in calls {
        let reply = call.await.unwrap();
        match reply.status {
            201 => bodies.push(reply.json()),
            409 => assert!(reply.header("retry-after").is_some()),
            other => panic!("{other}: {}", reply.json()),
        }
    }
    assert!(!bodies.is_empty());
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert_eq!(bodies[0]["amount"], 500);

    let replay = pay(server.address, "k-concurrent", r#"{"amount": 500}"#).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.json(), bodies[0]);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let mismatch = pay(server.address, "k-concurrent", r#"{"amount": 700}"#).await;
    assert_eq!(mismatch.status, 422);
    let other = pay(server.address, "k-other", r#"{"amount": 700}"#).await;
    assert_eq!(other.status, 201);
    assert_ne!(other.json()["id"], bodies[0]["id"]);
    for (i, bad) in [r#"{"amount": 0}"#, "not json", r#"{"amount": "5"}"#]
        .iter()
        .enumerate()
    {
        let key = format!("k-bad-{i}");
        let refused = pay(server.address, &key, bad).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.json());
        // A 4xx is the request's own answer: a retry gets it again.
        let again = pay(server.address, &key, bad).await;
        assert_eq!(
            (again.status, again.header("idempotent-replayed")),
            (400, Some("true"))
        );
    }

    let dynamo = Dynamo::new(&aws_config().await);
    let stored: Vec<Payment> = dynamo
        .table_named::<Payment>(&server.payments)
        .scan()
        .all()
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "one payment per key: {stored:?}");
}

#[test]
fn without_its_tables_it_names_the_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_idempotent-payments"))
        .env_remove("PAYMENTS_TABLE")
        .env("AWS_REGION", "us-east-1")
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PAYMENTS_TABLE"), "{stderr}");
}
