//! Structured logs: JSON lines in Lambda and on ECS, readable text locally.
//!
//! [`init`] installs a global `tracing` subscriber (unless the application installed one):
//!
//! | variable | effect |
//! |---|---|
//! | `AWS_LAMBDA_LOG_LEVEL` | the level: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL` (Lambda's advanced logging controls set it) |
//! | `RUST_LOG` | per-target directives such as `info,my_service=debug`, when `AWS_LAMBDA_LOG_LEVEL` is unset |
//! | `AWS_LAMBDA_LOG_FORMAT` | `JSON` or `Text`; defaults to JSON inside Lambda or an ECS task and text elsewhere |
//!
//! Lines go to stdout inside Lambda and ECS, and to stderr elsewhere, where stdout carries a
//! CLI's response.
//!
//! A panic anywhere is logged as one `error` line with its message, location and (with
//! `RUST_BACKTRACE=1`) backtrace. The Lambda contexts of `updraft-contexts` and the Fargate task
//! entry point of `updraft-fargate` share this setup, so a Lambda function and a task log alike.

use std::io::IsTerminal;
use std::sync::Once;

use crate::Env;
use crate::Error;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::Registry;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

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
    /// [`Error::InvalidVar`] naming the variable when a level, directive or
    /// format is malformed.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let in_lambda = in_managed_runtime(env);
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
                return Err(Error::invalid_var(
                    "AWS_LAMBDA_LOG_FORMAT",
                    format!("`{other}` is not JSON or Text"),
                ));
            }
        };
        let filter = if let Some(level) = env.non_empty("AWS_LAMBDA_LOG_LEVEL") {
            Targets::new().with_default(lambda_level(level)?)
        } else if let Some(directives) = env.non_empty("RUST_LOG") {
            directives
                .parse()
                .map_err(|e| Error::invalid_var("RUST_LOG", format!("`{directives}`: {e}")))?
        } else {
            Targets::new().with_default(LevelFilter::INFO)
        };
        Ok(Self { format, filter })
    }
}

fn lambda_level(level: &str) -> Result<LevelFilter, Error> {
    match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Ok(LevelFilter::TRACE),
        "DEBUG" => Ok(LevelFilter::DEBUG),
        "INFO" => Ok(LevelFilter::INFO),
        "WARN" => Ok(LevelFilter::WARN),
        "ERROR" | "FATAL" => Ok(LevelFilter::ERROR),
        other => Err(Error::invalid_var(
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
/// [`Error::InvalidVar`] for a malformed logging variable.
pub fn init(env: &Env) -> Result<(), Error> {
    install(env, |settings, managed, ansi| {
        if managed {
            subscriber(settings, std::io::stdout, false)
        } else {
            subscriber(settings, std::io::stderr, ansi)
        }
    })
}

/// A layer added to Updraft's subscriber, such as an OpenTelemetry layer.
pub type ExtraLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// As [`init`], with `layer` added to the subscriber: it sees every span and event the log
/// filter lets through (`tracing_opentelemetry::layer().with_tracer(…)`, say).
///
/// # Errors
///
/// [`Error::InvalidVar`] for a malformed logging variable.
pub fn init_with(env: &Env, layer: ExtraLayer) -> Result<(), Error> {
    install(env, |settings, managed, ansi| {
        if managed {
            subscriber_with(settings, std::io::stdout, false, layer)
        } else {
            subscriber_with(settings, std::io::stderr, ansi, layer)
        }
    })
}

/// Installs the subscriber `build` makes from the settings, whether the process runs in
/// Lambda or ECS, and whether colours suit its terminal. Separate builders, so that a binary
/// that never adds a layer carries no code for one.
fn install(
    env: &Env,
    build: impl FnOnce(&Settings, bool, bool) -> Box<dyn tracing::Subscriber + Send + Sync>,
) -> Result<(), Error> {
    let settings = Settings::from_env(env)?;
    // In Lambda both streams reach CloudWatch; elsewhere stdout carries a CLI's response.
    let managed = in_managed_runtime(env);
    let ansi = !managed && settings.format == Format::Text && std::io::stderr().is_terminal();
    // A second call, or an application's own subscriber, makes this fail: both are fine.
    let _ = build(&settings, managed, ansi).try_init();
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
    stack(tracing_subscriber::registry(), settings, writer, ansi)
}

/// As [`subscriber`], with `extra` (an OpenTelemetry layer, say) seeing what the filter lets
/// through.
pub fn subscriber_with<W>(
    settings: &Settings,
    writer: W,
    ansi: bool,
    extra: ExtraLayer,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    stack(
        tracing_subscriber::registry().with(extra),
        settings,
        writer,
        ansi,
    )
}

/// The filter and the formatting layer over `base`. Generic over the base, so that a binary
/// that never adds a layer carries no code for one.
fn stack<S, W>(
    base: S,
    settings: &Settings,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync + 'static,
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let registry = base.with(settings.filter.clone());
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
/// malformed input, which the caller answers as such (a 400), not as a crash.
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Option<R> {
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
            let message = panic_message(info.payload());
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

/// Whether this process runs inside Lambda (or its emulator): `AWS_LAMBDA_RUNTIME_API` is set.
#[must_use]
pub fn in_lambda(env: &Env) -> bool {
    env.non_empty("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Whether this process runs as an ECS task (Fargate or EC2): the container agent sets
/// `ECS_CONTAINER_METADATA_URI_V4`.
#[must_use]
pub fn in_ecs(env: &Env) -> bool {
    env.non_empty("ECS_CONTAINER_METADATA_URI_V4").is_some()
}

/// Lambda or ECS: where logs are collected from stdout and read as JSON.
fn in_managed_runtime(env: &Env) -> bool {
    in_lambda(env) || in_ecs(env)
}

/// The text of a panic's payload.
#[must_use]
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
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
        let ecs = Settings::from_env(&Env::from_pairs([(
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/abc",
        )]))
        .unwrap();
        assert_eq!(ecs.format, Format::Json);
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
    fn panic_payloads_become_text() {
        assert_eq!(panic_message(&"boom"), "boom");
        assert_eq!(panic_message(&String::from("bang")), "bang");
        assert_eq!(panic_message(&42), "a panic with a non-text payload");
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
