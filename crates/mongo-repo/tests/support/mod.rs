//! Clients and states for the tests, which run against the SecantusDB that `cargo xtask test`
//! starts. Each test lists its states in a states database of its own, so tests never see
//! each other's states.
#![allow(dead_code, reason = "each test file uses part of the support")]

use updraft_core::Env;
use updraft_mongo_repo::bson::doc;
use updraft_mongo_repo::{Mongo, States};

/// The servers' variables.
pub(crate) fn env() -> Env {
    updraft_testkit::servers_env()
}

/// Clients for the local server, with the states of `states` (a database of the test's own).
pub(crate) async fn mongo(states: &str) -> Mongo {
    Mongo::from_env(&env())
        .await
        .unwrap()
        .with_states(States::new(states, "states", "name"))
}

/// A database name no other test uses (`[a-z0-9-]`, under 64 bytes).
pub(crate) fn unique(prefix: &str) -> String {
    updraft_testkit::unique_name(prefix)
}

/// Lists `active` as active states and `inactive` as switched off, in `mongo`'s states
/// database `states`.
pub(crate) async fn set_states(mongo: &Mongo, states: &str, active: &[&str], inactive: &[&str]) {
    let collection = mongo
        .db(states)
        .collection::<updraft_mongo_repo::bson::Document>("states");
    collection.delete_many(doc! {}).await.unwrap();
    let documents = active
        .iter()
        .map(|name| doc! {"name": *name, "is_active": true})
        .chain(
            inactive
                .iter()
                .map(|name| doc! {"name": *name, "is_active": false}),
        );
    collection.insert_many(documents).await.unwrap();
}

/// Drops the databases a test made.
pub(crate) async fn drop_all(mongo: &Mongo, databases: &[&str]) {
    for database in databases {
        mongo.db(database).drop().await.unwrap();
    }
}
