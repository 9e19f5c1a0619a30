//! Structured logs: JSON lines in Lambda, readable text locally, request ids on every line.
//!
//! The settings, [`init`] and the panic hook are `updraft_core::logging`'s, shared with
//! Fargate tasks; see there for the variables that configure them. This module adds the
//! request span: each request runs in a span named `request` whose fields (`request_id`,
//! `apigw_request_id`, `xray_trace_id`, `cold_start`) appear on every line logged while it is
//! handled; in JSON they sit under `span`.

use updraft_core::invocation::{self, Invocation};

pub(crate) use updraft_core::logging::catch_quietly;
pub use updraft_core::logging::{Format, Settings, init, install_panic_hook, subscriber};

/// The span of one request or invocation: every line logged inside it carries these fields.
///
/// Every field is set as the span is made: a field recorded later makes a JSON subscriber
/// format the span's fields a second time, which is most of what a request log costs.
pub(crate) fn request_span(
    source: &'static str,
    request_id: Option<&str>,
    apigw_request_id: Option<&str>,
    xray_trace_id: Option<&str>,
) -> tracing::Span {
    #[cfg(not(feature = "otel"))]
    {
        tracing::info_span!(
            "request",
            request_id,
            apigw_request_id,
            xray_trace_id,
            cold_start = cold_start(),
            source,
        )
    }
    #[cfg(feature = "otel")]
    {
        let cold_start = cold_start();
        let span = tracing::info_span!(
            "request",
            request_id,
            apigw_request_id,
            xray_trace_id,
            cold_start,
            source,
            otel.name = source,
            otel.kind = "server",
            faas.invocation_id = request_id,
            faas.trigger = crate::otel::trigger(source),
            faas.coldstart = cold_start,
            cloud.provider = "aws",
            cloud.region = region(),
        );
        if let Some(header) = xray_trace_id {
            crate::otel::continue_trace(&span, header);
        }
        span
    }
}

/// The region the function runs in (`AWS_REGION`, which Lambda sets), read once.
#[cfg(feature = "otel")]
fn region() -> Option<&'static str> {
    static REGION: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    REGION
        .get_or_init(|| std::env::var("AWS_REGION").ok())
        .as_deref()
}

/// The span of a Lambda invocation.
pub(crate) fn invocation_span(
    source: &'static str,
    context: &lambda_runtime::Context,
) -> tracing::Span {
    request_span(
        source,
        Some(&context.request_id),
        None,
        context.xray_trace_id.as_deref(),
    )
}

/// Whether the current request is the process's first: the current invocation's flag, or
/// outside any invocation (a local server's request) the process's.
fn cold_start() -> bool {
    invocation::with_current(|current| {
        current.map_or_else(invocation::take_cold_start, Invocation::is_cold_start)
    })
}
