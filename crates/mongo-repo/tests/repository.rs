//! Repositories on SecantusDB: typed CRUD in the session's state, the state checks (missing,
//! malformed, reserved, inactive, cached for the TTL), fixed databases and external clusters.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use updraft_core::error::{Kind, Surface};
use updraft_core::{Env, Session};
use updraft_mongo_repo::bson::{Bson, Document, doc, oid::ObjectId};
use updraft_mongo_repo::{Error, Mongo, Repository, States};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    #[serde(rename = "_id")]
    id: ObjectId,
    customer_id: String,
    status: String,
    cents: i64,
}

fn order(customer: &str, cents: i64) -> Order {
    Order {
        id: ObjectId::new(),
        customer_id: customer.into(),
        status: "open".into(),
        cents,
    }
}

#[tokio::test]
async fn crud_runs_in_the_sessions_state_database() {
    let states = support::unique("states");
    let ct = support::unique("ct");
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &[&ct], &[]).await;
    let orders: Repository<Order> = mongo.repository("orders");

    let (a, b, c) = (order("c-1", 100), order("c-1", 250), order("c-2", 999));
    Session::with_state(&ct)
        .scope(async {
            assert_eq!(orders.database_name().await.unwrap(), ct);
            assert_eq!(orders.insert_one(&a).await.unwrap(), Bson::ObjectId(a.id));
            let ids = orders.insert_many([&b, &c]).await.unwrap();
            assert_eq!(ids, [Bson::ObjectId(b.id), Bson::ObjectId(c.id)]);
            assert!(
                orders
                    .insert_many(Vec::<Order>::new())
                    .await
                    .unwrap()
                    .is_empty()
            );

            assert_eq!(orders.find_by_id(a.id).await.unwrap(), Some(a.clone()));
            assert_eq!(
                orders
                    .find(doc! {"customer_id": "c-1"})
                    .await
                    .unwrap()
                    .len(),
                2
            );
            assert_eq!(orders.count(doc! {}).await.unwrap(), 3);

            let updated = orders
                .update_one(doc! {"_id": a.id}, doc! {"$set": {"status": "paid"}})
                .await
                .unwrap();
            assert_eq!((updated.matched, updated.modified), (1, 1));
            let many = orders
                .update_many(doc! {"customer_id": "c-1"}, doc! {"$inc": {"cents": 1}})
                .await
                .unwrap();
            assert_eq!(many.modified, 2);
            let fresh = order("c-3", 5);
            let upserted = orders
                .replace_one(doc! {"_id": fresh.id}, &fresh, true)
                .await
                .unwrap();
            assert_eq!(upserted.upserted, Some(Bson::ObjectId(fresh.id)));

            let totals = orders
                .aggregate(vec![
                    doc! {"$group": {"_id": "$customer_id", "cents": {"$sum": "$cents"}}},
                    doc! {"$sort": {"_id": 1}},
                ])
                .await
                .unwrap();
            assert_eq!(totals[0], doc! {"_id": "c-1", "cents": 352_i64});

            assert_eq!(orders.delete_one(doc! {"_id": c.id}).await.unwrap(), 1);
            assert_eq!(
                orders
                    .delete_many(doc! {"customer_id": "c-1"})
                    .await
                    .unwrap(),
                2
            );
            assert_eq!(orders.count(doc! {}).await.unwrap(), 1);
        })
        .await;

    // The documents are in the state's database, nowhere else.
    let raw = mongo.db(&ct).collection::<Document>("orders");
    assert_eq!(raw.count_documents(doc! {}).await.unwrap(), 1);
    support::drop_all(&mongo, &[&states, &ct]).await;
}

#[tokio::test]
async fn a_duplicate_key_is_a_conflict() {
    let mongo = support::mongo("unused").await;
    let database = support::unique("dup");
    let orders: Repository<Order> = mongo.repository("orders").database(&database);
    let first = order("c-1", 1);
    orders.insert_one(&first).await.unwrap();
    let error = orders.insert_one(&first).await.unwrap_err();
    assert!(matches!(error, Error::Duplicate(_)), "{error:?}");
    assert_eq!(error.kind(), Kind::Conflict);
    assert!(!error.public_message().contains(&database));
    support::drop_all(&mongo, &[&database]).await;
}

#[tokio::test]
async fn states_are_checked_before_any_call() {
    let states = support::unique("states");
    let (ct, nj) = (support::unique("ct"), support::unique("nj"));
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &[&ct], &[&nj]).await;
    let orders: Repository<Order> = mongo.repository("orders");

    let missing = orders.find(doc! {}).await.unwrap_err();
    assert!(
        matches!(
            missing,
            Error::Core(updraft_core::Error::MissingSessionState)
        ),
        "{missing:?}"
    );
    assert_eq!(missing.kind().http_status(), 400);

    for (state, reason) in [
        (nj.as_str(), "not an active state"),
        ("never-listed", "not an active state"),
        ("admin", "server's own databases"),
        ("a.b", "cannot hold"),
        ("", "cannot be empty"),
    ] {
        let error = Session::with_state(state)
            .scope(orders.insert_one(&order("c", 1)))
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidState { .. }),
            "{state}: {error:?}"
        );
        assert_eq!(error.kind().http_status(), 403);
        assert!(error.to_string().contains(reason), "{state}: {error}");
    }
    // Unchecked: the name rules still hold, the list is not read.
    let unchecked = orders.clone().unchecked_states();
    let name = Session::with_state(&nj)
        .scope(unchecked.database_name())
        .await;
    assert_eq!(name.unwrap(), nj);
    let reserved = Session::with_state("local")
        .scope(unchecked.database_name())
        .await;
    assert!(matches!(reserved, Err(Error::InvalidState { .. })));
    // A fixed database ignores the session.
    let fixed = orders.clone().database("core-fixed");
    let name = Session::with_state("admin")
        .scope(fixed.database_name())
        .await;
    assert_eq!(name.unwrap(), "core-fixed");
    // Nothing was written to the refused states.
    let names = mongo.client().list_database_names().await.unwrap();
    assert!(!names.contains(&nj) && !names.contains(&"never-listed".to_owned()));
    support::drop_all(&mongo, &[&states]).await;
}

#[tokio::test]
async fn state_answers_are_cached_for_their_ttl() {
    let states = support::unique("states");
    let ct = support::unique("ct");
    let mongo = Mongo::from_env(&support::env())
        .await
        .unwrap()
        .with_states(States::new(&states, "states", "name").ttl(Duration::from_millis(300)));
    support::set_states(&mongo, &states, &[&ct], &[]).await;
    let orders: Repository<Order> = mongo.repository("orders");
    let session = Session::with_state(&ct);

    session.clone().scope(orders.database_name()).await.unwrap();
    support::set_states(&mongo, &states, &[], &[&ct]).await;
    // Switched off, but the cached answer holds until the TTL passes.
    session.clone().scope(orders.database_name()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let error = session.scope(orders.database_name()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidState { .. }), "{error:?}");
    support::drop_all(&mongo, &[&states]).await;
}

#[tokio::test]
async fn external_clusters_get_the_repository_and_ad_hoc_databases() {
    let env = support::env();
    let uri = env.require("MONGODB_URI").unwrap().to_owned();
    let list = format!(r#"[{{"name": "Analytics", "connection_string": "{uri}"}}]"#);
    let env = Env::from_pairs([
        ("MONGODB_URI", uri.as_str()),
        ("MONGO_DB_NAME", "updraft-default"),
        ("EXTERNAL_MONGODB_CONNECTIONS", list.as_str()),
    ]);
    let mongo = Mongo::from_env(&env).await.unwrap();
    let database = support::unique("analytics");
    let events: Repository<Document> = mongo
        .repository("events")
        .database(&database)
        .external("Analytics");
    events.insert_one(&doc! {"kind": "click"}).await.unwrap();
    let seen = mongo
        .external("Analytics")
        .unwrap()
        .db(&database)
        .collection::<Document>("events")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(seen, 1);
    assert_eq!(mongo.default_db().unwrap().name(), "updraft-default");

    let elsewhere: Repository<Document> = mongo
        .repository("events")
        .database(&database)
        .external("Dockets");
    let error = elsewhere.find(doc! {}).await.unwrap_err();
    assert!(error.to_string().contains("known: Analytics"), "{error}");
    assert_eq!(error.kind().http_status(), 500);
    support::drop_all(&mongo, &[&database]).await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_and_names_nothing() {
    let env = Env::from_pairs([(
        "MONGODB_URI",
        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&directConnection=true",
    )]);
    let mongo = Mongo::from_env(&env).await.unwrap();
    let orders: Repository<Order> = mongo.repository("orders").database("secret-db-name");
    let error = orders.find(doc! {}).await.unwrap_err();
    assert_eq!(error.kind(), Kind::Unavailable, "{error:?}");
    assert_eq!(error.public_message(), "a dependency is unavailable");
}
