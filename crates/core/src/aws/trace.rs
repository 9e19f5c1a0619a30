//! [`TraceInterceptor`]: the current invocation's X-Ray trace on every AWS call, and a span per
//! call with its service, operation, status and latency.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use crate::invocation::{self, TRACE_HEADER};

/// An SDK interceptor that sends the current invocation's trace header on every attempt of
/// every call, and makes each call a `tracing` span.
///
/// The SDK's own recursion-detection interceptor reads the trace from the process variable
/// `_X_AMZN_TRACE_ID`, which cannot describe several concurrent invocations and which the
/// runtime no longer sets when it serves them. This interceptor runs after it (just before the
/// request is sent; SigV4 does not sign the header) and replaces its header with the one of the
/// invocation the call is made for ([`invocation::current_trace`]). Outside any invocation it
/// changes nothing.
///
/// Each call is an `aws` span (a child of the request's span, so an OpenTelemetry layer
/// exports it as a subsegment) with `service`, `operation`, `status` and `latency_ms`, and
/// logs one `debug` line when it ends.
///
/// Every Updraft client adds it. Add it to your own clients with one call:
///
/// ```no_run
/// # async fn run() -> Result<(), updraft_core::Error> {
/// let config = updraft_core::aws::load().await?;
/// # #[cfg(any())] {
/// let s3 = aws_sdk_s3::Client::from_conf(
///     aws_sdk_s3::config::Builder::from(&config)
///         .interceptor(updraft_core::aws::TraceInterceptor::new())
///         .build(),
/// );
/// # }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceInterceptor {
    _private: (),
}

impl TraceInterceptor {
    /// The interceptor.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// The span of one call and when it started, kept in the call's config bag.
#[derive(Debug, Clone)]
struct CallSpan {
    span: tracing::Span,
    started: Instant,
}

impl Storable for CallSpan {
    type Storer = StoreReplace<Self>;
}

impl Intercept for TraceInterceptor {
    fn name(&self) -> &'static str {
        "UpdraftTraceInterceptor"
    }

    // Not `read_before_execution`: a client's interceptors run that before the operation's
    // settings, its name among them, are in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("-", "-"), |m| (m.service(), m.name()));
        let span = tracing::info_span!(
            "aws",
            service,
            operation,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            // No subscriber wants it: nothing to keep for the end of the call.
            return Ok(());
        }
        cfg.interceptor_state().store_put(CallSpan {
            span,
            started: Instant::now(),
        });
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(trace) = invocation::current_trace() {
            context
                .request_mut()
                .headers_mut()
                .insert(TRACE_HEADER, trace.as_str().to_owned());
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(call) = cfg.load::<CallSpan>() else {
            return Ok(());
        };
        let status = context.response().map(|r| r.status().as_u16());
        let failed = context.output_or_error().is_none_or(|r| r.is_err());
        let latency_ms = call.started.elapsed().as_secs_f64() * 1000.0;
        call.span.record("status", status.unwrap_or(0));
        call.span.record("latency_ms", latency_ms);
        tracing::debug!(
            target: "updraft::aws",
            parent: &call.span,
            status,
            failed,
            latency_ms,
            "aws call"
        );
        Ok(())
    }
}

/// Builds an `aws_sdk_*` client from an [`SdkConfig`](crate::SdkConfig) with the
/// [`TraceInterceptor`] added: `traced_client!(aws_sdk_s3, &config)`, or with more settings,
/// `traced_client!(aws_sdk_s3, &config, |builder| builder.force_path_style(true))`.
///
/// ```no_run
/// # async fn run() -> Result<(), updraft_core::Error> {
/// let config = updraft_core::aws::load().await?;
/// # #[cfg(any())] {
/// let s3 = updraft_core::traced_client!(aws_sdk_s3, &config);
/// # }
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! traced_client {
    ($sdk:ident, $config:expr) => {
        $crate::traced_client!($sdk, $config, |builder| builder)
    };
    ($sdk:ident, $config:expr, |$builder:ident| $settings:expr) => {{
        let $builder =
            $sdk::config::Builder::from($config).interceptor($crate::aws::TraceInterceptor::new());
        $sdk::Client::from_conf($settings.build())
    }};
}
