//! Index declarations on SecantusDB: `ensure_indexes` creates what is missing and is
//! idempotent, conflicts are named and change nothing, and `IndexSync` covers the fixed
//! databases and every active state.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::time::Duration;

use futures_util::TryStreamExt;
use updraft_core::error::Surface;
use updraft_mongo_repo::bson::{Document, doc};
use updraft_mongo_repo::{Error, Index, IndexSync, Repository, States, Synced};

async fn listed(collection: &updraft_mongo_repo::mongodb::Collection<Document>) -> Vec<String> {
    let mut names: Vec<String> = collection
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|model| model.options.and_then(|o| o.name))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn ensure_indexes_creates_every_kind_once() {
    let mongo = support::mongo("unused").await;
    let database = support::unique("idx");
    let sessions: Repository<Document> = mongo
        .repository("sessions")
        .database(&database)
        .index(Index::asc("user_id").then_desc("created_at"))
        .index(Index::asc("token").unique())
        .index(
            Index::asc("expires_at")
                .expire_after(Duration::from_secs(3600))
                .named("ttl"),
        )
        .index(Index::asc("email").partial(doc! {"email": {"$exists": true}}));
    let expected = ["email_1", "token_1", "ttl", "user_id_1_created_at_-1"];
    for _ in 0..2 {
        let mut names = sessions.ensure_indexes(&database).await.unwrap();
        names.sort();
        assert_eq!(names, expected);
    }
    let collection = sessions.collection_in(&database).unwrap();
    assert_eq!(
        listed(&collection).await,
        [
            "_id_",
            "email_1",
            "token_1",
            "ttl",
            "user_id_1_created_at_-1"
        ]
    );
    // The unique index is real.
    collection.insert_one(doc! {"token": "t"}).await.unwrap();
    assert!(collection.insert_one(doc! {"token": "t"}).await.is_err());
    support::drop_all(&mongo, &[&database]).await;
}

#[tokio::test]
async fn a_conflicting_index_is_named_with_its_difference_and_nothing_changes() {
    let mongo = support::mongo("unused").await;
    let database = support::unique("idx");
    let plain: Repository<Document> = mongo
        .repository("users")
        .database(&database)
        .index(Index::asc("email"));
    plain.ensure_indexes(&database).await.unwrap();

    // `plain` made `email_1` without unique; this declaration wants it unique.
    let unique = mongo
        .repository::<Document>("users")
        .database(&database)
        .index(Index::asc("name"))
        .index(Index::asc("email").unique());
    let error = unique.ensure_indexes(&database).await.unwrap_err();
    let Error::IndexConflict {
        index,
        difference,
        collection,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((index.as_str(), collection.as_str()), ("email_1", "users"));
    assert_eq!(difference, "unique: existing false, declared true");
    assert_eq!(error.kind().http_status(), 500);

    let renamed = mongo
        .repository::<Document>("users")
        .database(&database)
        .index(Index::asc("email").named("by_email"));
    let error = renamed.ensure_indexes(&database).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the same keys are indexed as `email_1`"),
        "{error}"
    );
    let reshaped = mongo
        .repository::<Document>("users")
        .database(&database)
        .index(Index::desc("email").named("email_1"));
    let error = reshaped.ensure_indexes(&database).await.unwrap_err();
    assert!(error.to_string().contains("keys: existing"), "{error}");

    // Nothing was created by the refused declarations (not even `name_1`).
    let collection = plain.collection_in(&database).unwrap();
    assert_eq!(listed(&collection).await, ["_id_", "email_1"]);
    support::drop_all(&mongo, &[&database]).await;
}

#[tokio::test]
async fn index_sync_covers_fixed_databases_and_every_active_state() {
    let states = support::unique("states");
    let (ct, nj, off) = (
        support::unique("ct"),
        support::unique("nj"),
        support::unique("off"),
    );
    let core = support::unique("core");
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &[&nj, &ct], &[&off]).await;

    let orders: Repository<Document> = mongo
        .repository("orders")
        .named("OrdersRepository")
        .index(Index::asc("customer_id"))
        .index(Index::asc("status").then_desc("created_at"));
    let users: Repository<Document> = mongo
        .repository("users")
        .database(&core)
        .named("UsersRepository")
        .index(Index::asc("email").unique());
    let sync = IndexSync::new(&mongo, [orders.declaration(), users.declaration()]);
    let report = sync.run().await.unwrap();
    let mut first = [ct.clone(), nj.clone()];
    first.sort();
    let expected: Vec<Synced> = first
        .iter()
        .map(|state| Synced {
            repository: "OrdersRepository".into(),
            database: state.clone(),
            collection: "orders".into(),
            indexes: vec!["customer_id_1".into(), "status_1_created_at_-1".into()],
        })
        .chain([Synced {
            repository: "UsersRepository".into(),
            database: core.clone(),
            collection: "users".into(),
            indexes: vec!["email_1".into()],
        }])
        .collect();
    assert_eq!(report, expected);
    assert_eq!(
        sync.run().await.unwrap(),
        expected,
        "a second run is the same"
    );
    let json = serde_json::to_value(&report[2]).unwrap();
    assert_eq!(json["repository"], "UsersRepository");

    // The inactive state got nothing.
    let names = mongo.client().list_database_names().await.unwrap();
    assert!(!names.contains(&off), "{names:?}");

    // Another states collection: `IndexSync::states`.
    let elsewhere = support::unique("states2");
    support::set_states(&mongo, &elsewhere, &[&off], &[]).await;
    let report = IndexSync::new(&mongo, [orders.declaration()])
        .states(States::new(&elsewhere, "states", "name"))
        .run()
        .await
        .unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].database, off);

    let empty = IndexSync::new(&mongo, []).run().await.unwrap_err();
    assert!(
        empty.to_string().contains("at least one repository"),
        "{empty}"
    );
    support::drop_all(&mongo, &[&states, &elsewhere, &ct, &nj, &off, &core]).await;
}

#[tokio::test]
async fn a_states_collection_with_a_bad_name_stops_the_sync() {
    let states = support::unique("states");
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &["has.dot"], &[]).await;
    let orders: Repository<Document> = mongo.repository("orders").index(Index::asc("a"));
    let error = IndexSync::new(&mongo, [orders.declaration()])
        .run()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidState { .. }), "{error:?}");
    support::drop_all(&mongo, &[&states]).await;
}
