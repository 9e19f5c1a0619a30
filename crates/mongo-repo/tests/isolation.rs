//! One repository value, 1,000 concurrent requests with random states: each reads and writes
//! its own state's database only.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use updraft_core::Session;
use updraft_mongo_repo::Repository;
use updraft_mongo_repo::bson::{Document, doc};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    request: u32,
    state: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_cross_states() {
    let states_db = support::unique("states");
    let states: Vec<String> = (0..8).map(|i| support::unique(&format!("s{i}"))).collect();
    let mongo = support::mongo(&states_db).await;
    let names: Vec<&str> = states.iter().map(String::as_str).collect();
    support::set_states(&mongo, &states_db, &names, &[]).await;
    let notes: Repository<Note> = mongo.repository("notes");

    let mut tasks = tokio::task::JoinSet::new();
    let mut expected: HashMap<String, u32> = HashMap::new();
    for request in 0..1000_u32 {
        let state = states[fastrand::usize(..states.len())].clone();
        *expected.entry(state.clone()).or_default() += 1;
        let notes = notes.clone();
        tasks.spawn(Session::with_state(&state).scope(async move {
            tokio::task::yield_now().await;
            notes
                .insert_one(&Note {
                    request,
                    state: state.clone(),
                })
                .await
                .unwrap();
            tokio::task::yield_now().await;
            // What this request reads is its own state's, whatever ran in between.
            let mine = notes
                .find_one(doc! {"request": request})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(mine.state, state);
            let foreign = notes.count(doc! {"state": {"$ne": &state}}).await.unwrap();
            assert_eq!(foreign, 0, "{state} sees another state's notes");
        }));
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    for state in &states {
        let raw = mongo.db(state).collection::<Document>("notes");
        let total = raw.count_documents(doc! {}).await.unwrap();
        let own = raw.count_documents(doc! {"state": state}).await.unwrap();
        assert_eq!(total, own, "{state} holds another state's notes");
        assert_eq!(total, u64::from(expected.get(state).copied().unwrap_or(0)));
    }
    let mut all: Vec<&str> = vec![&states_db];
    all.extend(names);
    support::drop_all(&mongo, &all).await;
}
