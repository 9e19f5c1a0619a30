//! Batches against DynamoDB Local: more than one call's worth, duplicate keys, and unprocessed
//! entries. DynamoDB Local never leaves an entry unprocessed, so those tests put a fake in
//! front of it: a proxy that holds back some entries of each call and reports them
//! unprocessed, while the rest reach the real server.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use support::{Movie, dynamo};
use updraft_core::error::{Kind, Surface};
use updraft_dynamo::testing::TempTable;
use updraft_dynamo::{BatchSettings, Dynamo, Error, Write};
use updraft_testkit::{Exchange, FaultProxy, Recorded, servers_env};

fn movies(year: i32, n: usize) -> Vec<Movie> {
    (0..n)
        .map(|i| Movie::new(year, &format!("title {i:04}")))
        .collect()
}

#[tokio::test]
async fn batch_writes_and_reads_beyond_one_call_fold_duplicates() {
    let table = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let written = movies(1980, 260);
    table.batch_put(&written).await.unwrap();
    assert_eq!(table.query(1980).all().await.unwrap().len(), 260);

    let mut keys: Vec<(i32, String)> = written.iter().map(|m| (m.year, m.title.clone())).collect();
    keys.extend(keys.clone());
    keys.push((1980, "not there".into()));
    let mut read = table.batch_get(keys).await.unwrap();
    read.sort_by(|a, b| a.title.cmp(&b.title));
    assert_eq!(read, written, "duplicates read once, missing keys left out");

    let mut changed = Movie::new(1980, "title 0000");
    changed.info.plot = Some("the last write wins".into());
    table
        .batch_write(vec![
            Write::Put(updraft_dynamo::Model::to_item(&written[0]).unwrap()),
            Write::Put(updraft_dynamo::Model::to_item(&changed).unwrap()),
            Write::Delete(updraft_dynamo::Item::key(&written[1]).unwrap()),
        ])
        .await
        .unwrap();
    let first = table.get((1980, "title 0000")).await.unwrap().unwrap();
    assert_eq!(first.info.plot.as_deref(), Some("the last write wins"));
    assert!(table.get((1980, "title 0001")).await.unwrap().is_none());

    table
        .batch_delete(written.iter().map(|m| (m.year, m.title.clone())))
        .await
        .unwrap();
    assert!(table.query(1980).all().await.unwrap().is_empty());
}

/// A fake in front of DynamoDB Local: of each batch call, the entries past the first `keep`
/// are held back and reported unprocessed; after `faulty` such calls, calls pass untouched.
fn holding_back(
    keep: usize,
    faulty: usize,
) -> impl Fn(&Recorded) -> Exchange + Send + Sync + 'static {
    let calls = Arc::new(AtomicUsize::new(0));
    move |request: &Recorded| {
        let target = request
            .header("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        let (list, unprocessed) = match target.rsplit('.').next() {
            Some("BatchWriteItem") => (None, "UnprocessedItems"),
            Some("BatchGetItem") => (Some("Keys"), "UnprocessedKeys"),
            _ => return Exchange::pass(request),
        };
        if calls.fetch_add(1, Ordering::SeqCst) >= faulty {
            return Exchange::pass(request);
        }
        let mut body: Value = serde_json::from_str(&request.body).unwrap();
        let mut held = serde_json::Map::new();
        for (table, entries) in body["RequestItems"].as_object_mut().unwrap() {
            let entries = match list {
                Some(field) => &mut entries[field],
                None => entries,
            };
            let entries = entries.as_array_mut().unwrap();
            let rest: Vec<Value> = entries.drain(keep.min(entries.len())..).collect();
            if !rest.is_empty() {
                let rest = Value::Array(rest);
                held.insert(
                    table.clone(),
                    match list {
                        Some(field) => serde_json::json!({ field: rest }),
                        None => rest,
                    },
                );
            }
        }
        let forward = body.to_string();
        Exchange {
            forward,
            target: None,
            answer: Box::new(move |mut answer| {
                let mut body: Value = serde_json::from_str(&answer.body).unwrap();
                body[unprocessed] = Value::Object(held);
                answer.body = body.to_string();
                answer
            }),
        }
    }
}

async fn through(proxy: &FaultProxy, settings: BatchSettings) -> Dynamo {
    let config = updraft_testkit::aws_config().await;
    let sdk = aws_sdk_dynamodb::config::Builder::from(&config)
        .endpoint_url(proxy.url())
        .build();
    Dynamo::from_client(aws_sdk_dynamodb::Client::from_conf(sdk)).with_batch_settings(settings)
}

fn dynamodb_local() -> SocketAddr {
    let url = servers_env()
        .require("AWS_ENDPOINT_URL_DYNAMODB")
        .unwrap()
        .to_owned();
    url.trim_start_matches("http://").parse().unwrap()
}

fn quick(attempts: u32) -> BatchSettings {
    BatchSettings {
        retry: updraft_core::aws::backoff::Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(50),
            attempts,
        ),
        ..BatchSettings::default()
    }
}

#[tokio::test]
async fn fake_unprocessed_entries_are_retried_until_written() {
    let table = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let proxy = FaultProxy::start(dynamodb_local(), holding_back(10, 6)).await;
    let dynamo = through(&proxy, quick(8)).await;
    let through_proxy = dynamo.table_named::<Movie>(table.name());
    let written = movies(1990, 60);
    through_proxy.batch_put(&written).await.unwrap();
    assert_eq!(
        table.query(1990).all().await.unwrap().len(),
        60,
        "every item arrived"
    );
    let writes = proxy
        .requests()
        .iter()
        .filter(|r| {
            r.header("x-amz-target")
                .is_some_and(|t| t.ends_with("BatchWriteItem"))
        })
        .count();
    assert!(
        writes > 3,
        "the held-back entries were sent again: {writes} calls"
    );

    let keys: Vec<(i32, String)> = written.iter().map(|m| (m.year, m.title.clone())).collect();
    let proxy = FaultProxy::start(dynamodb_local(), holding_back(30, 3)).await;
    let dynamo = through(&proxy, quick(8)).await;
    let read = dynamo
        .table_named::<Movie>(table.name())
        .batch_get(keys)
        .await
        .unwrap();
    assert_eq!(read.len(), 60);
}

#[tokio::test]
async fn fake_unprocessed_entries_left_after_every_retry_are_returned_not_dropped() {
    let table = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let proxy = FaultProxy::start(dynamodb_local(), holding_back(2, usize::MAX)).await;
    let dynamo = through(&proxy, quick(3)).await;
    let through_proxy = dynamo.table_named::<Movie>(table.name());
    let written = movies(1991, 30);
    let error = through_proxy.batch_put(&written).await.unwrap_err();
    let Error::Incomplete(incomplete) = &error else {
        panic!("{error:?}");
    };
    let stored = table.query(1991).all().await.unwrap();
    assert_eq!(
        stored.len() + incomplete.unprocessed_writes.len(),
        30,
        "every item is stored or returned: {error}"
    );
    assert!(!incomplete.unprocessed_writes.is_empty());
    assert!(
        incomplete.cause.is_none(),
        "retries ran out; no call failed"
    );
    assert_eq!(error.kind(), Kind::Throttled);
    assert!(
        error
            .to_string()
            .contains("unprocessed until the retries ran out"),
        "{error}"
    );

    table.batch_put(&written).await.unwrap();
    let keys: Vec<(i32, String)> = written.iter().map(|m| (m.year, m.title.clone())).collect();
    let error = through_proxy.batch_get(keys).await.unwrap_err();
    let Error::Incomplete(incomplete) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        (incomplete.fetched.len(), incomplete.unprocessed_keys.len()),
        (6, 24),
        "two keys got through on each of three calls; the rest are returned"
    );
}

/// A fake in front of DynamoDB Local: every batch call answers 500 `InternalServerError`, a
/// fault DynamoDB Local never has.
fn failing_batches(request: &Recorded) -> Exchange {
    let target = request.header("x-amz-target").unwrap_or_default();
    if !target.ends_with("BatchWriteItem") {
        return Exchange::pass(request);
    }
    Exchange {
        forward: request.body.clone(),
        target: None,
        answer: Box::new(|mut answer| {
            answer.status = 500;
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#
                .clone_into(&mut answer.body);
            answer
        }),
    }
}

#[tokio::test]
async fn fake_a_batch_whose_calls_keep_failing_says_so_not_throttled() {
    let table = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let proxy = FaultProxy::start(dynamodb_local(), failing_batches).await;
    let dynamo = through(&proxy, quick(2)).await;
    let error = dynamo
        .table_named::<Movie>(table.name())
        .batch_put(&movies(1993, 3))
        .await
        .unwrap_err();
    let Error::Incomplete(incomplete) = &error else {
        panic!("{error:?}");
    };
    assert!(incomplete.cause.is_some(), "the last failure is kept");
    assert_eq!(error.kind(), Kind::Unavailable, "{error}");
    assert!(error.to_string().contains("InternalServerError"), "{error}");
    assert!(!error.to_string().contains(table.name()), "{error}");
}
