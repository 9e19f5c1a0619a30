//! The CLI context (clear-skies' `cli`): run any handler once, outside Lambda, on an event from
//! a file or stdin, and print its response.
//!
//! Every event context ([`crate::invoke`], [`crate::sqs`], [`crate::streams`],
//! [`crate::websocket`]) does this by itself when its `run` finds no Lambda runtime:
//!
//! ```text
//! my-function event.json        # the event from a file
//! my-function < event.json      # or from stdin
//! my-function --event event.json
//! ```
//!
//! The response JSON goes to stdout. A handler error (a Lambda `Diagnostic`) goes to stdout as
//! `{"errorType", "errorMessage"}` and the process exits with an error.

use std::io::Read;
use std::path::PathBuf;

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::{Service, ServiceExt};

use crate::Error;

/// Where the event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventInput {
    /// Standard input.
    Stdin,
    /// A JSON file.
    File(PathBuf),
}

impl EventInput {
    /// From the command line: `--event <path>`, a path, or `-` / nothing for stdin.
    #[must_use]
    pub fn from_args() -> Self {
        Self::parse(std::env::args().skip(1))
    }

    fn parse(args: impl IntoIterator<Item = String>) -> Self {
        let args: Vec<String> = args.into_iter().collect();
        let path = match args.iter().position(|a| a == "--event") {
            Some(i) => args.get(i + 1).cloned(),
            None => args.into_iter().find(|a| !a.starts_with('-')),
        };
        match path {
            Some(path) if path != "-" => EventInput::File(path.into()),
            _ => EventInput::Stdin,
        }
    }

    /// Reads the event bytes.
    ///
    /// # Errors
    ///
    /// [`Error::UnrecognizedEvent`] naming the file when it cannot be read.
    pub fn read(&self) -> Result<Vec<u8>, Error> {
        let unreadable = |what: String, e: std::io::Error| Error::UnrecognizedEvent {
            reason: format!("cannot read the event from {what}: {e}"),
        };
        match self {
            EventInput::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| unreadable("stdin".into(), e))?;
                Ok(bytes)
            }
            EventInput::File(path) => {
                std::fs::read(path).map_err(|e| unreadable(path.display().to_string(), e))
            }
        }
    }
}

/// Sends one event through `service` as the Lambda runtime would (request id
/// `cli-request-id` unless `request_id` is given), as an invocation of its own (its metrics are
/// flushed when it ends), and returns the response as JSON.
///
/// # Errors
///
/// A [`Diagnostic`]: `updraft.contexts.UnrecognizedEvent` when the bytes are not an event of
/// the type the service takes, or the service's own error.
pub async fn invoke<S, T, R>(
    service: S,
    event: &[u8],
    request_id: Option<&str>,
) -> Result<serde_json::Value, Diagnostic>
where
    S: Service<LambdaEvent<T>, Response = R>,
    S::Error: Into<Diagnostic>,
    T: DeserializeOwned,
    R: Serialize,
{
    let payload: T = serde_json::from_slice(event).map_err(|e| {
        Diagnostic::from(Error::UnrecognizedEvent {
            reason: e.to_string(),
        })
    })?;
    let mut context = lambda_runtime::Context::default();
    context.request_id = request_id.unwrap_or("cli-request-id").to_owned();
    let invocation = updraft_core::Invocation::new()
        .with_request_id(context.request_id.as_str())
        .with_cold_start(updraft_core::invocation::take_cold_start());
    let response = invocation
        .scope(service.oneshot(LambdaEvent::new(payload, context)))
        .await
        .map_err(Into::into)?;
    serde_json::to_value(response).map_err(|e| Diagnostic {
        error_type: "updraft.contexts.Serialize".into(),
        error_message: e.to_string(),
    })
}

/// Runs `service` once on the event of `input` and prints the response to stdout.
///
/// # Errors
///
/// [`Error::UnrecognizedEvent`] when the event cannot be read, and [`Error::Handler`] with the
/// diagnostic when the handler fails (after printing it).
pub async fn run_once<S, T, R>(service: S, input: &EventInput) -> Result<(), Error>
where
    S: Service<LambdaEvent<T>, Response = R>,
    S::Error: Into<Diagnostic>,
    T: DeserializeOwned,
    R: Serialize,
{
    let event = input.read()?;
    let result = invoke(service, &event, None).await;
    let printed = match &result {
        Ok(response) => response.clone(),
        Err(diagnostic) => serde_json::json!({
            "errorType": diagnostic.error_type,
            "errorMessage": diagnostic.error_message,
        }),
    };
    #[allow(clippy::print_stdout, reason = "the CLI context prints the response")]
    {
        println!("{printed}");
    }
    result.map(drop).map_err(|diagnostic| Error::Handler {
        error_type: diagnostic.error_type,
        message: diagnostic.error_message,
    })
}

/// Runs any handler whose answer is its own JSON (an authorizer, a custom resource): served by
/// the Lambda runtime inside Lambda (when `AWS_LAMBDA_RUNTIME_API` is set), and once on the
/// event the command line names outside it. Installs logging first.
///
/// # Example
///
/// ```no_run
/// use updraft_contexts::lambda_runtime::{LambdaEvent, service_fn};
///
/// async fn echo(event: LambdaEvent<serde_json::Value>) -> Result<serde_json::Value, updraft_contexts::lambda_runtime::Error> {
///     Ok(event.payload)
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), updraft_contexts::Error> {
///     updraft_contexts::cli::run(service_fn(echo)).await
/// }
/// ```
///
/// # Errors
///
/// As [`run_once`] outside Lambda; [`Error::Config`] and [`Error::Runtime`] inside it.
pub async fn run<S, T, R>(service: S) -> Result<(), Error>
where
    S: Service<LambdaEvent<T>, Response = R> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Diagnostic> + std::fmt::Debug,
    T: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    run_event_context(service, &updraft_core::Env::load()?).await
}

/// Serves an event context: in Lambda when `AWS_LAMBDA_RUNTIME_API` is set, otherwise once on
/// the event the command line names. Installs logging first.
pub(crate) async fn run_event_context<S, T, R>(
    service: S,
    env: &updraft_core::Env,
) -> Result<(), Error>
where
    S: Service<LambdaEvent<T>, Response = R> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Diagnostic> + std::fmt::Debug,
    T: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    crate::logging::init(env)?;
    if crate::lambda::in_lambda(env) {
        crate::lambda::serve(service).await
    } else {
        run_once(service, &EventInput::from_args()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> EventInput {
        EventInput::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn the_event_comes_from_a_path_or_stdin() {
        assert_eq!(parse(&[]), EventInput::Stdin);
        assert_eq!(parse(&["-"]), EventInput::Stdin);
        assert_eq!(
            parse(&["event.json"]),
            EventInput::File("event.json".into())
        );
        assert_eq!(
            parse(&["--event", "e.json"]),
            EventInput::File("e.json".into())
        );
    }

    #[test]
    fn an_unreadable_file_is_a_typed_error_naming_it() {
        let err = EventInput::File("/nonexistent/event.json".into())
            .read()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/event.json"), "{err}");
    }
}
