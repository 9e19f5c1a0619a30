//! OpenTelemetry export of the contexts' spans (feature `otel`, off by default).
//!
//! With it, each invocation's `request` span is an OpenTelemetry server span named after its
//! source, with the Lambda semantic conventions (`faas.invocation_id`, `faas.trigger`,
//! `faas.coldstart`, `cloud.provider`, `cloud.region`), and it continues the invocation's X-Ray
//! trace: its trace id is the X-Ray root and its parent the X-Ray parent segment, so the spans
//! join the trace API Gateway, SNS and SQS started. The AWS calls and service calls made inside
//! it (`aws` and `api` spans) are its children.
//!
//! Bring your own exporter: build an `opentelemetry_sdk` tracer provider with the exporter
//! you use (OTLP to the ADOT collector layer, say) and hand its tracer to [`init`], which
//! installs Updraft's logging with the OpenTelemetry layer added.
//!
//! ```no_run
//! # fn tracer() -> opentelemetry::trace::noop::NoopTracer { opentelemetry::trace::noop::NoopTracer::new() }
//! # async fn run() -> Result<(), updraft_contexts::Error> {
//! let env = updraft_core::Env::load()?;
//! // e.g. opentelemetry_sdk::trace::SdkTracerProvider::builder()…build().tracer("orders")
//! updraft_contexts::otel::init(&env, tracer())?;
//! # Ok(()) }
//! ```

/// The `opentelemetry` crate this feature is built on: build your tracer provider with the
/// `opentelemetry_sdk` of the same version.
pub use opentelemetry;
/// The `tracing-opentelemetry` crate [`init`] uses.
pub use tracing_opentelemetry;

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use updraft_core::{Env, TraceHeader};

use crate::Error;

/// Installs Updraft's logging (as `logging::init` does) with a `tracing-opentelemetry` layer
/// over `tracer` added, and the panic hook. Call it instead of `logging::init`, before the
/// context's `run` (which then leaves the subscriber in place).
///
/// # Errors
///
/// [`Error::Config`] for a malformed logging variable.
pub fn init<T>(env: &Env, tracer: T) -> Result<(), Error>
where
    T: opentelemetry::trace::Tracer + Send + Sync + 'static,
    T::Span: Send + Sync,
{
    let layer = tracing_opentelemetry::layer().with_tracer(tracer);
    updraft_core::logging::init_with(env, Box::new(layer))?;
    Ok(())
}

/// The `faas.trigger` of a context's source.
pub(crate) fn trigger(source: &str) -> &'static str {
    match source {
        "sqs" => "pubsub",
        "kinesis" | "dynamodb-streams" => "datasource",
        "invoke" | "websocket" | "cli" => "other",
        _ => "http",
    }
}

/// Makes `span` continue the X-Ray trace `header` names: trace id from its root, parent from
/// its parent segment, sampled as it says. A header without a parent is left alone.
pub(crate) fn continue_trace(span: &tracing::Span, header: &str) {
    let Some(context) = span_context(header) else {
        return;
    };
    let parent = opentelemetry::Context::new().with_remote_span_context(context);
    // Fails only when no OpenTelemetry layer is installed: nothing to continue then.
    let _ = span.set_parent(parent);
}

/// The remote span context of an X-Ray header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>`).
fn span_context(header: &str) -> Option<SpanContext> {
    let header = TraceHeader::parse(header).ok()?;
    let root: String = header
        .root()
        .get(2..)?
        .chars()
        .filter(|c| *c != '-')
        .collect();
    let trace_id = TraceId::from_hex(&root).ok()?;
    let span_id = SpanId::from_hex(header.parent()?).ok()?;
    let flags = if header.sampled() == Some(true) {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    Some(SpanContext::new(
        trace_id,
        span_id,
        flags,
        true,
        TraceState::default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xray_header_becomes_the_remote_parent() {
        let context = span_context(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
        .unwrap();
        assert_eq!(
            context.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(context.span_id().to_string(), "53995c3f42cd8ad8");
        assert!(context.is_sampled() && context.is_remote());
        for no_parent in [
            "Root=1-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000",
            "garbage",
            "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
        ] {
            assert!(
                span_context(no_parent).is_none_or(|c| !c.is_valid()),
                "{no_parent}"
            );
        }
        assert_eq!(trigger("sqs"), "pubsub");
        assert_eq!(trigger("apigw-http"), "http");
        assert_eq!(trigger("kinesis"), "datasource");
        assert_eq!(trigger("invoke"), "other");
    }
}
