//! With the `otel` feature, each invocation is an OpenTelemetry server span with the Lambda
//! semantic conventions that continues the invocation's X-Ray trace, and the spans opened
//! inside it are its children. Exported to `opentelemetry_sdk`'s in-memory exporter.
#![cfg(feature = "otel")]
#![allow(clippy::unwrap_used, reason = "tests")]

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use updraft_contexts::lambda::Invocations;
use updraft_contexts::lambda_runtime::{Context, LambdaEvent};
use updraft_core::Env;
use updraft_core::logging::{Settings, subscriber_with};

#[tokio::test]
async fn an_invocation_is_a_server_span_in_the_xray_trace() {
    updraft_testkit::every_callsite_interesting();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let settings = Settings::from_env(&Env::from_pairs([("UPDRAFT_LOG_LEVEL", "info")])).unwrap();
    let _guard = tracing::subscriber::set_default(subscriber_with(
        &settings,
        std::io::sink,
        false,
        Box::new(layer),
    ));

    let handler = updraft_contexts::invoke::handler(|_: Value| async {
        let _call =
            tracing::info_span!("aws", service = "SQS", operation = "SendMessage").entered();
        Ok::<_, String>(json!(1))
    })
    .session_optional();
    let mut context = Context::default();
    context.request_id = "req-otel".into();
    context.xray_trace_id =
        Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".into());
    let answer = Invocations::new(handler)
        .oneshot(LambdaEvent::new(json!({"data": {}}), context))
        .await
        .unwrap();
    assert!(answer.success);
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let request = spans.iter().find(|s| s.name == "invoke").unwrap();
    assert_eq!(request.span_kind, SpanKind::Server);
    assert_eq!(
        request.span_context.trace_id().to_string(),
        "5759e988bd862e3fe1be46a994272793",
        "the X-Ray root is the trace"
    );
    assert_eq!(request.parent_span_id.to_string(), "53995c3f42cd8ad8");
    let attribute = |name: &str| {
        request
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == name)
            .map(|kv| kv.value.to_string())
    };
    assert_eq!(attribute("faas.invocation_id").as_deref(), Some("req-otel"));
    assert_eq!(attribute("faas.trigger").as_deref(), Some("other"));
    assert_eq!(attribute("cloud.provider").as_deref(), Some("aws"));
    assert!(attribute("faas.coldstart").is_some());
    let call = spans.iter().find(|s| s.name == "aws").unwrap();
    assert_eq!(call.parent_span_id, request.span_context.span_id());
    assert_eq!(
        call.span_context.trace_id(),
        request.span_context.trace_id()
    );
}
