//! Structured logs: JSON lines in Lambda, readable text locally, request ids on every line.
//!
//! [`init`] installs a global `tracing` subscriber (unless the application installed one):
//!
//! | variable | effect |
//! |---|---|
//! | `AWS_LAMBDA_LOG_LEVEL` | the level: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL` (Lambda's advanced logging controls set it) |
//! | `RUST_LOG` | per-target directives such as `info,my_service=debug`, when `AWS_LAMBDA_LOG_LEVEL` is unset |
//! | `AWS_LAMBDA_LOG_FORMAT` | `JSON` or `Text`; defaults to JSON inside Lambda and text elsewhere |
//!
//! Lines go to stdout inside Lambda and to stderr elsewhere, where stdout carries a CLI
//! context's response.
//!
//! Each request runs in a span named `request` whose fields (`request_id`, `apigw_request_id`,
//! `xray_trace_id`, `cold_start`) appear on every line logged while it is handled; in JSON
//! they sit under `span`. A panic anywhere is logged as one `error` line with its message,
//! location and (with `RUST_BACKTRACE=1`) backtrace.

use std::io::IsTerminal;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use updraft_core::Env;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line, for CloudWatch Logs Insights.
    Json,
    /// Human-readable lines, colored on a terminal.
    Text,
}

/// The logging settings read from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The line format.
    pub format: Format,
    /// Which levels of which targets are written.
    pub filter: Targets,
}

impl Settings {
    /// Reads the settings from `env` (see the module docs).
    ///
    /// # Errors
    ///
    /// [`updraft_core::Error::InvalidVar`] naming the variable when a level, directive or
    /// format is malformed.
    pub fn from_env(env: &Env) -> Result<Self, updraft_core::Error> {
        let in_lambda = crate::lambda::in_lambda(env);
        let format = match env
            .non_empty("AWS_LAMBDA_LOG_FORMAT")
            .map(str::to_ascii_lowercase)
        {
            None => {
                if in_lambda {
                    Format::Json
                } else {
                    Format::Text
                }
            }
            Some(f) if f == "json" => Format::Json,
            Some(f) if f == "text" => Format::Text,
            Some(other) => {
                return Err(updraft_core::Error::invalid_var(
                    "AWS_LAMBDA_LOG_FORMAT",
                    format!("`{other}` is not JSON or Text"),
                ));
            }
        };
        let filter = if let Some(level) = env.non_empty("AWS_LAMBDA_LOG_LEVEL") {
            Targets::new().with_default(lambda_level(level)?)
        } else if let Some(directives) = env.non_empty("RUST_LOG") {
            directives.parse().map_err(|e| {
                updraft_core::Error::invalid_var("RUST_LOG", format!("`{directives}`: {e}"))
            })?
        } else {
            Targets::new().with_default(LevelFilter::INFO)
        };
        Ok(Self { format, filter })
    }
}

fn lambda_level(level: &str) -> Result<LevelFilter, updraft_core::Error> {
    match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Ok(LevelFilter::TRACE),
        "DEBUG" => Ok(LevelFilter::DEBUG),
        "INFO" => Ok(LevelFilter::INFO),
        "WARN" => Ok(LevelFilter::WARN),
        "ERROR" | "FATAL" => Ok(LevelFilter::ERROR),
        other => Err(updraft_core::Error::invalid_var(
            "AWS_LAMBDA_LOG_LEVEL",
            format!("`{other}` is not TRACE, DEBUG, INFO, WARN, ERROR or FATAL"),
        )),
    }
}

/// Installs the global subscriber from the environment and the panic hook, once.
///
/// Does nothing when the application already installed a global subscriber.
///
/// # Errors
///
/// [`updraft_core::Error::InvalidVar`] for a malformed logging variable.
pub fn init(env: &Env) -> Result<(), updraft_core::Error> {
    let settings = Settings::from_env(env)?;
    // In Lambda both streams reach CloudWatch; elsewhere stdout carries a CLI's response.
    let subscriber = if crate::lambda::in_lambda(env) {
        subscriber(&settings, std::io::stdout, false)
    } else {
        let ansi = settings.format == Format::Text && std::io::stderr().is_terminal();
        subscriber(&settings, std::io::stderr, ansi)
    };
    // A second call, or an application's own subscriber, makes this fail: both are fine.
    let _ = subscriber.try_init();
    install_panic_hook();
    Ok(())
}

/// The subscriber for `settings`, writing to `writer`. Tests use it with a buffer.
pub fn subscriber<W>(
    settings: &Settings,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let registry = tracing_subscriber::registry().with(settings.filter.clone());
    match settings.format {
        Format::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
        Format::Text => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .with_writer(writer),
            ),
        ),
    }
}

thread_local! {
    /// Set while [`catch_quietly`] runs code whose panics are expected and answered.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `None` without logging it: for a dependency that panics on
/// malformed input the caller answers as such (a 400), not as a crash.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Option<R> {
    QUIET.with(|quiet| quiet.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    QUIET.with(|quiet| quiet.set(false));
    result
}

/// Logs every panic as one structured `error` line, inside the current request's span.
pub fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if QUIET.with(std::cell::Cell::get) {
                return;
            }
            let message = crate::lambda::panic_message(info.payload());
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let backtrace = std::backtrace::Backtrace::capture();
            tracing::error!(
                target: "updraft::panic",
                panic_message = %message,
                panic_location = %location,
                backtrace = %backtrace,
                "panicked"
            );
        }));
    });
}

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
    tracing::info_span!(
        "request",
        request_id,
        apigw_request_id,
        xray_trace_id,
        cold_start = take_cold_start(),
        source,
    )
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

static COLD: AtomicBool = AtomicBool::new(true);

/// `true` for the first request of the process, `false` afterwards.
pub(crate) fn take_cold_start() -> bool {
    COLD.swap(false, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_settings_default_to_json_and_info() {
        let settings = Settings::from_env(&Env::from_pairs([(
            "AWS_LAMBDA_RUNTIME_API",
            "127.0.0.1:9001",
        )]))
        .unwrap();
        assert_eq!(settings.format, Format::Json);
        let local = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(local.format, Format::Text);
    }

    #[test]
    fn the_lambda_level_wins_over_rust_log() {
        let settings = Settings::from_env(&Env::from_pairs([
            ("AWS_LAMBDA_LOG_LEVEL", "debug"),
            ("RUST_LOG", "error"),
        ]))
        .unwrap();
        assert!(settings.filter.would_enable("any", &tracing::Level::DEBUG));
        let rust_log =
            Settings::from_env(&Env::from_pairs([("RUST_LOG", "warn,my_service=trace")])).unwrap();
        assert!(
            rust_log
                .filter
                .would_enable("my_service", &tracing::Level::TRACE)
        );
        assert!(!rust_log.filter.would_enable("other", &tracing::Level::INFO));
    }

    #[test]
    fn malformed_settings_name_their_variable() {
        for (name, value) in [
            ("AWS_LAMBDA_LOG_LEVEL", "LOUD"),
            ("AWS_LAMBDA_LOG_FORMAT", "xml"),
            ("RUST_LOG", "a=b=c"),
        ] {
            let err = Settings::from_env(&Env::from_pairs([(name, value)])).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }
}
