//! `TraceInterceptor` on a real SDK client: the current invocation's trace header on every
//! attempt, nothing added outside an invocation, and one `aws` span per call. The endpoint is
//! the testkit's fake, which keeps the requests it received (the trace header is what is
//! checked, not an AWS behaviour).
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft_core::{Invocation, TraceHeader};
use updraft_testkit::{Canned, FakeEndpoint, LogBuffer, every_callsite_interesting};

const JSON: &str = "application/x-amz-json-1.0";
const TRACE: &str = "Root=1-6930a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";

#[tokio::test]
async fn fake_endpoint_calls_carry_the_invocations_trace_and_are_spans() {
    let fake = FakeEndpoint::start(vec![
        Canned::ok(JSON, r#"{"QueueUrls": []}"#),
        Canned::ok(JSON, r#"{"QueueUrls": []}"#),
        Canned::status(500, JSON, r#"{"__type": "InternalError"}"#),
    ])
    .await;
    let config = fake.aws_config().await;
    let sqs = updraft_core::traced_client!(aws_sdk_sqs, &config);

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
        .scope(async { sqs.list_queues().send().await.unwrap() })
        .await;
    sqs.list_queues().send().await.unwrap();
    let failed = sqs.list_queues().send().await;
    assert!(failed.is_err());

    let requests = fake.requests();
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
    for (call, status) in calls.iter().zip([200, 200, 500]) {
        assert_eq!(call["span"]["name"], "aws");
        assert_eq!(call["span"]["service"], "SQS");
        assert_eq!(call["span"]["operation"], "ListQueues");
        assert_eq!(call["fields"]["status"], status);
        assert!(call["fields"]["latency_ms"].as_f64().unwrap() >= 0.0);
    }
    assert_eq!(calls[2]["fields"]["failed"], true);
}
