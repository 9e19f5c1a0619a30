//! Both functions run once on an event outside Lambda, against the local SecantusDB: the
//! index sync covers the states of `core.states`, and the proxy answers and refuses.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::Command;

use serde_json::{Value, json};
use updraft::mongo_repo::Mongo;
use updraft::mongo_repo::bson::{Document, doc};
use updraft::testing::{servers_env, unique_name, workspace_binary};

/// Runs `binary` on `event` with the servers' `MONGODB_URI`; its last stdout line as JSON.
fn run(binary: &str, event: &Value) -> Value {
    let env = servers_env();
    let output = Command::new(workspace_binary(binary))
        .env_clear()
        .env("MONGODB_URI", env.require("MONGODB_URI").unwrap())
        .env("RUST_LOG", "off")
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(event.to_string().as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[tokio::test]
async fn the_index_sync_and_the_proxy_work_on_the_states_of_core() {
    let mongo = Mongo::from_env(&servers_env()).await.unwrap();
    let (state, retired) = (unique_name("ct"), unique_name("retired"));
    let states = mongo.db("core").collection::<Document>("states");
    states
        .insert_many([
            doc! {"name": &state, "is_active": true},
            doc! {"name": &retired, "is_active": false},
        ])
        .await
        .unwrap();
    mongo
        .db(&state)
        .collection::<Document>("orders")
        .insert_many([
            doc! {"customer_id": "c-1", "status": "open", "cents": 100},
            doc! {"customer_id": "c-2", "status": "paid", "cents": 250},
        ])
        .await
        .unwrap();

    let report = run("mongo-orders-index-sync", &json!({}));
    assert_eq!(report["success"], true, "{report}");
    let lines = report["data"].as_array().unwrap();
    assert!(lines.contains(&json!({
        "repository": "OrdersRepository", "database": state, "collection": "orders",
        "indexes": ["customer_id_1", "status_1_created_at_-1"],
    })));
    assert!(lines.contains(&json!({
        "repository": "UsersRepository", "database": "core", "collection": "users",
        "indexes": ["email_1"],
    })));
    assert!(
        !lines
            .iter()
            .any(|line| line["database"] == retired.as_str())
    );

    let found = run(
        "mongo-orders-query",
        &json!({"session": {"state": state}, "collection": "orders", "filter": {"status": "open"}, "fields": {"_id": 0}}),
    );
    assert_eq!(
        found,
        json!({"success": true, "data": [{"customer_id": "c-1", "status": "open", "cents": 100}]})
    );
    let refused = run(
        "mongo-orders-query",
        &json!({"session": {"state": state}, "collection": "users"}),
    );
    assert_eq!(refused["success"], false);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("allowed: customers, orders")
    );
    let inactive = run(
        "mongo-orders-query",
        &json!({"session": {"state": retired}, "collection": "orders"}),
    );
    assert!(
        inactive["error"]
            .as_str()
            .unwrap()
            .contains("not an active state")
    );

    states
        .delete_many(doc! {"name": {"$in": [&state, &retired]}})
        .await
        .unwrap();
    mongo.db(&state).drop().await.unwrap();
}
