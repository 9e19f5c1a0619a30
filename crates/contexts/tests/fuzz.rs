//! Fuzz targets: every event source a context decodes, fed its AWS sample events mutated the
//! way a broken or hostile sender would (`updraft_testkit::fuzz`). Each answers, or
//! refuses the event with a diagnostic; none panics, and HTTP answers are well-formed.
//!
//! 256 cases each in the suite; `cargo xtask fuzz --cases N` runs N, optimized.
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use proptest::prelude::*;
use serde_json::Value;
use updraft_contexts::cli::invoke;
use updraft_contexts::http::LambdaService;
use updraft_contexts::http::testing::invoke as invoke_http;
use updraft_contexts::sqs::{self, Failures, Group, Record};
use updraft_contexts::streams::{self, KinesisRecord};
use updraft_contexts::websocket::{Message, Reply, Routes};
use updraft_testkit::fuzz;

const HTTP: [&str; 9] = [
    include_str!("../fixtures/alb.json"),
    include_str!("../fixtures/function-url.json"),
    include_str!("../fixtures/http-api-default-stage.json"),
    include_str!("../fixtures/http-api-named-stage.json"),
    include_str!("../fixtures/rest-api-custom-domain.json"),
    include_str!("../fixtures/rest-api-stage.json"),
    include_str!("../fixtures/vpc-lattice.json"),
    include_str!("../fixtures/vpc-lattice-v1.json"),
    include_str!("../fixtures/websocket-message.json"),
];

const SQS: [&str; 4] = [
    include_str!("../fixtures/sqs-standard.json"),
    include_str!("../fixtures/sqs-fifo.json"),
    include_str!("../fixtures/sqs-sns-envelope.json"),
    include_str!("../fixtures/sqs-sns-raw.json"),
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn app() -> LambdaService {
    common::lambda(common::app().strip_prefixes(["/shop"]))
}

#[test]
fn fuzz_http_events_are_answered_never_panicked_on() {
    let runtime = runtime();
    let app = app();
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&HTTP))| {
        if let Ok(response) = runtime.block_on(invoke_http(&app, &bytes)) {
            let status = response["statusCode"].as_u64().unwrap_or_default();
            prop_assert!((200..600).contains(&status), "{}", response);
        }
    });
}

#[test]
fn fuzz_sqs_events_never_panic_and_report_only_their_records() {
    let runtime = runtime();
    let single = sqs::consumer(|record: Record<Value>| async move {
        drop(record);
        Ok::<(), String>(())
    });
    let batch = sqs::batch_consumer(|group: Group<Value>| async move {
        drop(group);
        Ok::<_, String>(Failures::none())
    });
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&SQS))| {
        for response in [
            runtime.block_on(invoke(single.clone().into_service(), &bytes, None)),
            runtime.block_on(invoke(batch.clone().into_service(), &bytes, None)),
        ] {
            let Ok(response) = response else { continue };
            // A record the consumer took must be one of the event's: when the event reads as
            // plain JSON with string message ids, compare.
            let Ok(event) = serde_json::from_slice::<Value>(&bytes) else { continue };
            let Some(records) = event["Records"].as_array() else { continue };
            if !records.iter().all(|r| r["messageId"].is_string()) {
                continue;
            }
            let ids: Vec<&Value> = records.iter().map(|r| &r["messageId"]).collect();
            for failure in response["batchItemFailures"].as_array().unwrap() {
                let id = &failure["itemIdentifier"];
                prop_assert!(ids.contains(&id), "{} is not a record", id);
            }
        }
    });
}

#[test]
fn fuzz_stream_events_never_panic() {
    let runtime = runtime();
    let kinesis = streams::kinesis(|record: KinesisRecord<Value>| async move {
        drop(record);
        Ok::<(), String>(())
    });
    let dynamodb = streams::dynamodb(|record| async move {
        drop(record);
        Ok::<(), String>(())
    });
    let fixtures = [
        include_str!("../fixtures/kinesis.json"),
        include_str!("../fixtures/dynamodb-streams.json"),
    ];
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&fixtures))| {
        let _ = runtime.block_on(invoke(kinesis.clone(), &bytes, None));
        let _ = runtime.block_on(invoke(dynamodb.clone(), &bytes, None));
    });
}

#[test]
fn fuzz_websocket_events_never_panic() {
    let runtime = runtime();
    let routes = Routes::new()
        .on("$connect", |_: Message| async {
            Ok::<_, String>(Reply::ok())
        })
        .on("$default", |message: Message| async move {
            Ok::<_, String>(Reply::text(message.body.unwrap_or_default()))
        });
    let fixtures = [
        include_str!("../fixtures/websocket-connect.json"),
        include_str!("../fixtures/websocket-disconnect.json"),
        include_str!("../fixtures/websocket-message.json"),
    ];
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&fixtures))| {
        if let Ok(response) = runtime.block_on(invoke(routes.clone(), &bytes, None)) {
            let status = response["statusCode"].as_u64().unwrap_or_default();
            prop_assert!((200..600).contains(&status), "{}", response);
        }
    });
}

#[test]
fn fuzz_direct_invocations_always_answer_an_envelope() {
    let runtime = runtime();
    let handler =
        updraft_contexts::invoke::handler(|data: Value| async move { Ok::<_, String>(data) });
    let fixtures = [include_str!("../fixtures/invoke.json")];
    proptest!(fuzz::config(), |(bytes in fuzz::mutated(&fixtures))| {
        if let Ok(envelope) = runtime.block_on(invoke(handler.clone(), &bytes, None)) {
            prop_assert!(envelope["success"].is_boolean(), "{}", envelope);
        }
    });
}
