//! `TraceInterceptor` on a real SDK client against moto: the current invocation's trace header
//! on every call, nothing added outside an invocation, and one `aws` span per call with its
//! status. The calls go through a proxy in front of moto that keeps the headers it received.
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft_core::{Invocation, TraceHeader};
use updraft_testkit::{
    Exchange, FaultProxy, LogBuffer, every_callsite_interesting, servers_env, unique_name,
};

const TRACE: &str = "Root=1-6930a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";

#[tokio::test]
async fn calls_carry_the_invocations_trace_and_are_spans() {
    let moto = servers_env()
        .require("AWS_ENDPOINT_URL")
        .unwrap()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(moto, Exchange::pass).await;
    let config = updraft_testkit::aws_config().await;
    let sqs = updraft_core::traced_client!(aws_sdk_sqs, &config, |builder| {
        builder.endpoint_url(proxy.url())
    });
    let queue = unique_name("traced");

    every_callsite_interesting();
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let invocation = Invocation::new().with_trace(Some(TraceHeader::parse(TRACE).unwrap()));
    invocation
        .scope(async { sqs.create_queue().queue_name(&queue).send().await.unwrap() })
        .await;
    sqs.list_queues().send().await.unwrap();
    let missing = sqs
        .get_queue_url()
        .queue_name(unique_name("no-such-queue"))
        .send()
        .await;
    assert!(missing.is_err());

    let requests = proxy.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].header("x-amzn-trace-id"), Some(TRACE));
    assert_eq!(
        requests[1].header("x-amzn-trace-id"),
        None,
        "outside an invocation nothing is added"
    );
    let calls: Vec<serde_json::Value> = logs
        .json_lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "aws call")
        .collect();
    assert_eq!(calls.len(), 3, "{}", logs.text());
    let expected = [
        ("CreateQueue", 200, false),
        ("ListQueues", 200, false),
        ("GetQueueUrl", 400, true),
    ];
    for (call, (operation, status, failed)) in calls.iter().zip(expected) {
        assert_eq!(call["span"]["name"], "aws");
        assert_eq!(call["span"]["service"], "SQS");
        assert_eq!(call["span"]["operation"], operation);
        assert_eq!(call["fields"]["status"], status);
        assert_eq!(call["fields"]["failed"], failed);
        assert!(call["fields"]["latency_ms"].as_f64().unwrap() >= 0.0);
    }
}
