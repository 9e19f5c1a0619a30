//! 200 invocations served at once by one process, as Lambda Managed Instances serve them:
//! every EMF document, every log line and every AWS request carries its own invocation's
//! request id and trace, never another's. The SDK requests go through a proxy in front of
//! moto (the real server), which keeps the headers it received.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tower::ServiceExt as _;
use updraft_contexts::lambda::Invocations;
use updraft_contexts::lambda_runtime::{Context, LambdaEvent};
use updraft_core::logging::{Settings, subscriber};
use updraft_core::{Env, Session};
use updraft_metrics::{Metrics, Unit};
use updraft_testkit::{Exchange, FaultProxy, LogBuffer, check_emf, servers_env, unique_name};

const INVOCATIONS: u32 = 200;

fn trace(n: u32) -> String {
    format!("Root=1-6930a1b2-{n:024x};Parent={n:016x};Sampled=1")
}

#[derive(serde::Deserialize)]
struct Order {
    n: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invocations_never_mix_metrics_logs_or_traces() {
    let documents = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = documents.clone();
    Metrics::new()
        .namespace("UpdraftTest")
        .service("orders")
        .sink(move |lines| {
            let mut kept = sink.lock().unwrap();
            kept.extend(lines.lines().map(str::to_owned));
        })
        .install()
        .unwrap();
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let settings =
        Settings::from_env(&Env::from_pairs([("AWS_LAMBDA_RUNTIME_API", "x:1")])).unwrap();
    tracing::subscriber::set_global_default(subscriber(&settings, move || writer.clone(), false))
        .unwrap();

    let moto = servers_env()
        .require("AWS_ENDPOINT_URL")
        .unwrap()
        .to_owned();
    let proxy = FaultProxy::start(moto.trim_start_matches("http://").parse().unwrap(), |r| {
        Exchange::pass(r)
    })
    .await;
    let config = updraft_testkit::aws_config().await;
    let sqs = updraft_core::traced_client!(aws_sdk_sqs, &config, |builder| {
        builder.endpoint_url(proxy.url())
    });
    let queue_url = sqs
        .create_queue()
        .queue_name(unique_name("traces"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();

    let handler = updraft_contexts::invoke::handler(move |order: Order| {
        let (sqs, queue_url) = (sqs.clone(), queue_url.clone());
        async move {
            updraft_metrics::add("OrdersPlaced", Unit::Count, f64::from(order.n));
            updraft_metrics::property("order", order.n);
            tokio::task::yield_now().await;
            tracing::info!(n = order.n, "placing the order");
            sqs.send_message()
                .queue_url(&queue_url)
                .message_body(order.n.to_string())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            updraft_metrics::add("OrdersPlaced", Unit::Count, 1.0);
            Ok::<_, String>(json!({ "placed": order.n }))
        }
    });
    let service = Invocations::new(handler);
    let calls = (0..INVOCATIONS).map(|n| {
        let mut context = Context::default();
        context.request_id = format!("req-{n}");
        context.xray_trace_id = Some(trace(n));
        context.deadline = 4_102_444_800_000;
        let event = json!({ "session": { "state": "ohio" }, "data": { "n": n } });
        let service = service.clone();
        tokio::spawn(async move { service.oneshot(LambdaEvent::new(event, context)).await })
    });
    for (n, answer) in futures_util::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        let envelope = answer.unwrap().unwrap();
        assert!(envelope.success, "{n}: {:?}", envelope.error);
    }
    assert!(Session::current().is_none());

    check_documents(&documents.lock().unwrap());
    check_logs(&logs.json_lines());
    check_requests(&proxy);
}

/// One EMF document per invocation, with its own ids and values.
fn check_documents(documents: &[String]) {
    assert_eq!(documents.len(), INVOCATIONS as usize);
    let mut seen = vec![false; INVOCATIONS as usize];
    for line in documents {
        let doc = check_emf(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let n = u32::try_from(doc["order"].as_u64().unwrap()).unwrap();
        assert_eq!(doc["request_id"], format!("req-{n}"), "{line}");
        assert_eq!(doc["xray_trace_id"], trace(n), "{line}");
        assert_eq!(doc["OrdersPlaced"], json!([f64::from(n), 1.0]), "{line}");
        assert_eq!(doc["service"], "orders");
        seen[n as usize] = true;
    }
    assert!(seen.iter().all(|s| *s), "every invocation flushed its own");
}

/// Every line logged inside an invocation carries its ids.
fn check_logs(lines: &[Value]) {
    let placing: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "placing the order")
        .collect();
    assert_eq!(placing.len(), INVOCATIONS as usize);
    for line in placing {
        let n = line["n"].as_u64().unwrap();
        assert_eq!(line["span"]["request_id"], format!("req-{n}"), "{line}");
        assert_eq!(
            line["span"]["xray_trace_id"],
            trace(u32::try_from(n).unwrap()),
            "{line}"
        );
    }
}

/// Each SendMessage went out with its invocation's trace header.
fn check_requests(proxy: &FaultProxy) {
    let requests = proxy.requests();
    let sends: Vec<_> = requests
        .into_iter()
        .filter(|r| r.header("x-amz-target") == Some("AmazonSQS.SendMessage"))
        .collect();
    assert_eq!(sends.len(), INVOCATIONS as usize);
    for request in sends {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let n: u32 = body["MessageBody"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            request.header("x-amzn-trace-id"),
            Some(trace(n).as_str()),
            "{n}"
        );
    }
}
