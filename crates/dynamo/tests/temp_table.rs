//! The temporary table helper: made from the model's keys and indexes, ACTIVE when it is
//! returned, deleted when dropped, including by a panicking test.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use support::{Song, dynamo};
use updraft_dynamo::testing::TempTable;
use updraft_dynamo::{Capacity, IndexKind, Item};

#[tokio::test]
async fn it_has_the_models_schema_and_goes_away_when_dropped() {
    let dynamo = dynamo().await;
    let songs =
        TempTable::<Song>::with_capacity(&dynamo, Capacity::Provisioned { read: 1, write: 1 })
            .await
            .unwrap();
    let name = songs.name().to_owned();
    assert!(name.starts_with("Songs-test-"));
    let description = dynamo
        .sdk()
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(
        description
            .table_status()
            .map(updraft_dynamo::aws_sdk_dynamodb::types::TableStatus::as_str),
        Some("ACTIVE")
    );
    let keys: Vec<&str> = description
        .key_schema()
        .iter()
        .map(updraft_dynamo::aws_sdk_dynamodb::types::KeySchemaElement::attribute_name)
        .collect();
    assert_eq!(keys, ["name", "size"]);
    assert_eq!(
        description.global_secondary_indexes()[0].index_name(),
        Some("by_status")
    );
    assert_eq!(
        description.local_secondary_indexes()[0].index_name(),
        Some("by_year")
    );
    assert_eq!(
        Song::indexes().iter().map(|i| i.kind).collect::<Vec<_>>(),
        [IndexKind::Global, IndexKind::Local]
    );
    drop(songs);
    assert!(!dynamo.table_named::<Song>(&name).exists().await.unwrap());
}

#[tokio::test]
async fn a_panicking_test_still_deletes_its_table() {
    let dynamo = dynamo().await;
    let (sender, receiver) = std::sync::mpsc::channel();
    let inner = dynamo.clone();
    let handle = tokio::spawn(async move {
        let songs = TempTable::<Song>::new(&inner).await.unwrap();
        sender.send(songs.name().to_owned()).unwrap();
        panic!("the test fails while the table exists");
    });
    assert!(handle.await.unwrap_err().is_panic());
    let name = receiver.recv().unwrap();
    assert!(!dynamo.table_named::<Song>(&name).exists().await.unwrap());
}
