//! Directly invoked functions (aws-python-helper's standalone Lambdas): a typed payload in, the
//! `{success, data | error}` [`Envelope`] out.
//!
//! The event is `{"session": {"state": …, "user": …}, "data": …}`. `data` is deserialized into
//! the handler's input type; `session` becomes the current [`Session`] for the handler and
//! everything it calls. A session with a state is required unless the handler says otherwise
//! ([`Invoke::session_optional`]).
//!
//! In flat mode ([`Invoke::flat`]), the event is aws-python-helper's flat payload instead:
//! `session` is read from the top level and the rest of the object is the input, as in
//! `{"session": {…}, "collection": "orders", "filter": {…}}`.
//!
//! Nothing leaves as a Lambda error: a missing session, input that does not deserialize (the
//! message names the field), a handler error and a panic all answer
//! `{"success": false, "error": "…"}`, and the function keeps serving.
//!
//! # Example
//!
//! ```no_run
//! use serde::Deserialize;
//! use serde_json::{Value, json};
//!
//! #[derive(Deserialize)]
//! struct Sum { a: i64, b: i64 }
//!
//! async fn sum(input: Sum) -> Result<Value, String> {
//!     let sum = input.a.checked_add(input.b).ok_or("the sum overflows")?;
//!     Ok(json!({ "sum": sum }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     updraft_contexts::invoke::handler(sum).run().await
//! }
//! ```

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;
use updraft_core::envelope::Envelope;
use updraft_core::{Env, Session};

use crate::Error;
use crate::lambda::catch_panic;

/// A directly invoked handler; see the module docs.
#[must_use]
pub struct Invoke<F, T> {
    handler: Arc<F>,
    requires_session: bool,
    /// The input is the event's other fields, not its `data`.
    flat: bool,
    /// The input's rules, checked before the handler runs ([`Invoke::validated`]).
    validate: Option<Validator<T>>,
    input: PhantomData<fn(T)>,
}

/// Checks an input; the error is the envelope's message.
type Validator<T> = fn(&T) -> Result<(), String>;

impl<F, T> Clone for Invoke<F, T> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            requires_session: self.requires_session,
            flat: self.flat,
            validate: self.validate,
            input: PhantomData,
        }
    }
}

impl<F, T> std::fmt::Debug for Invoke<F, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoke")
            .field("requires_session", &self.requires_session)
            .field("flat", &self.flat)
            .field("validated", &self.validate.is_some())
            .finish_non_exhaustive()
    }
}

impl<F, T> Invoke<F, T>
where
    T: garde::Validate,
    T::Context: Default,
{
    /// Checks the input's garde rules before the handler runs, as aws-python-helper checks its
    /// schema: broken rules answer `{"success": false, "error": "data.<field>: <rule>; …"}`
    /// and the handler is not called.
    ///
    /// ```
    /// use updraft_contexts::HandlerResult;
    ///
    /// #[derive(serde::Deserialize, garde::Validate)]
    /// struct Refund {
    ///     #[garde(range(min = 1, max = 10_000))]
    ///     cents: u32,
    /// }
    ///
    /// async fn refund(input: Refund) -> HandlerResult<u32> {
    ///     Ok(input.cents)
    /// }
    ///
    /// let service = updraft_contexts::invoke::handler(refund).validated();
    /// # drop(service);
    /// ```
    pub fn validated(mut self) -> Self {
        self.validate = Some(|input: &T| {
            input.validate().map_err(|report| {
                report
                    .iter()
                    .map(|(path, error)| match path.to_string().as_str() {
                        "" => format!("data: {}", error.message()),
                        path => format!("data.{path}: {}", error.message()),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        });
        self
    }
}

/// Wraps an async function `data -> Result<output, error>` as a directly invoked handler.
pub fn handler<F, Fut, T, R, E>(handler: F) -> Invoke<F, T>
where
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send,
    T: DeserializeOwned + Send,
    R: Serialize,
    E: Display,
{
    Invoke {
        handler: Arc::new(handler),
        requires_session: true,
        flat: false,
        validate: None,
        input: PhantomData,
    }
}

impl<F, Fut, T, R, E> Invoke<F, T>
where
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send,
    T: DeserializeOwned + Send + 'static,
    R: Serialize,
    E: Display,
{
    /// Accepts events without a session (for work that spans every tenant).
    pub fn session_optional(mut self) -> Self {
        self.requires_session = false;
        self
    }

    /// Reads the input from the event's top level, beside `session`, instead of from `data`
    /// (aws-python-helper's flat payloads, such as its model-query Lambda's).
    pub fn flat(mut self) -> Self {
        self.flat = true;
        self
    }

    /// Answers one event: the envelope the function returns.
    pub async fn call(&self, event: Value) -> Envelope {
        let (session, data) = match self.unpack(event) {
            Ok(parts) => parts,
            Err(message) => return Envelope::failure(message),
        };
        let handler = self.handler.clone();
        let outcome = catch_panic(session.scope(async move { handler(data).await })).await;
        match outcome {
            Ok(Ok(output)) => match serde_json::to_value(output) {
                Ok(data) => Envelope::success(data),
                Err(e) => Envelope::failure(format!("the result cannot be serialized: {e}")),
            },
            Ok(Err(error)) => Envelope::failure(error.to_string()),
            Err(panic) => {
                tracing::error!(panic = %panic, "the handler panicked");
                Envelope::failure("internal error: the handler panicked")
            }
        }
    }

    fn unpack(&self, event: Value) -> Result<(Session, T), String> {
        let Value::Object(mut event) = event else {
            return Err("the event must be a JSON object with `session` and `data`".into());
        };
        let session = match event.remove("session") {
            None | Some(Value::Null) => None,
            Some(value) => Some(
                serde_json::from_value::<Session>(value)
                    .map_err(|e| format!("the session is malformed: {e}"))?,
            ),
        };
        if self.requires_session {
            match &session {
                None => return Err("the event has no session".into()),
                Some(s) if s.require_state().is_err() => {
                    return Err("the session has no state".into());
                }
                Some(_) => {}
            }
        }
        let (present, data) = if self.flat {
            (true, Value::Object(event))
        } else {
            (
                event.contains_key("data"),
                event.remove("data").unwrap_or(Value::Null),
            )
        };
        let data = serde_path_to_error::deserialize::<_, T>(data).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if !present {
                "the event has no `data`".to_owned()
            } else if path == "." {
                format!("{}: {inner}", if self.flat { "the event" } else { "data" })
            } else if self.flat {
                format!("{path}: {inner}")
            } else {
                format!("data.{path}: {inner}")
            }
        })?;
        if let Some(validate) = self.validate {
            validate(&data)?;
        }
        Ok((session.unwrap_or_default(), data))
    }

    /// Serves the handler: in Lambda when `AWS_LAMBDA_RUNTIME_API` is set, otherwise once on
    /// an event from the command line (see [`crate::cli`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for malformed configuration; see [`crate::lambda::serve`] and
    /// [`crate::cli::run_once`].
    pub async fn run(self) -> Result<(), Error> {
        crate::cli::run_event_context(self, &Env::load()?).await
    }
}

impl<F, Fut, T, R, E> tower::Service<LambdaEvent<Value>> for Invoke<F, T>
where
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send,
    T: DeserializeOwned + Send + 'static,
    R: Serialize,
    E: Display,
{
    type Response = Envelope;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Envelope, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<Value>) -> Self::Future {
        let this = self.clone();
        let span = crate::logging::invocation_span("invoke", &event.context);
        Box::pin(
            async move {
                let started = Instant::now();
                let envelope = this.call(event.payload).await;
                tracing::info!(
                    target: "updraft::access",
                    success = envelope.success,
                    error = envelope.error.as_deref(),
                    latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "invocation"
                );
                Ok::<_, Error>(envelope)
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Sum {
        a: i64,
        b: i64,
    }

    async fn sum(input: Sum) -> Result<Value, String> {
        assert!(input.a != 13, "unlucky");
        let sum = input.a.checked_add(input.b).ok_or("the sum overflows")?;
        Ok(json!({ "sum": sum, "state": Session::current().and_then(|s| s.state) }))
    }

    async fn answer(event: Value) -> Envelope {
        handler(sum).call(event).await
    }

    #[tokio::test]
    async fn success_carries_the_data_and_the_session_is_current() {
        let envelope = answer(json!({"session": {"state": "ct"}, "data": {"a": 1, "b": 2}})).await;
        assert_eq!(
            envelope,
            Envelope::success(json!({"sum": 3, "state": "ct"}))
        );
    }

    #[tokio::test]
    async fn every_failure_is_an_envelope_error() {
        let cases = [
            (
                json!({"data": {"a": 1, "b": 2}}),
                "the event has no session",
            ),
            (
                json!({"session": {"user": {"id": 1}}, "data": {"a": 1, "b": 2}}),
                "the session has no state",
            ),
            (
                json!({"session": {"state": 5}, "data": {"a": 1, "b": 2}}),
                "the session is malformed",
            ),
            (
                json!({"session": {"state": "ct"}}),
                "the event has no `data`",
            ),
            (
                json!({"session": {"state": "ct"}, "data": {"a": 1}}),
                "missing field `b`",
            ),
            (
                json!({"session": {"state": "ct"}, "data": {"a": "one", "b": 2}}),
                "data.a: invalid type",
            ),
            (
                json!({"session": {"state": "ct"}, "data": {"a": i64::MAX, "b": 1}}),
                "the sum overflows",
            ),
            (
                json!({"session": {"state": "ct"}, "data": {"a": 13, "b": 1}}),
                "the handler panicked",
            ),
            (json!("just a string"), "must be a JSON object"),
        ];
        for (event, expected) in cases {
            let envelope = answer(event.clone()).await;
            assert!(!envelope.success, "{event}");
            let error = envelope.error.unwrap();
            assert!(error.contains(expected), "{event}: {error}");
        }
        let after_panic =
            answer(json!({"session": {"state": "ct"}, "data": {"a": 1, "b": 1}})).await;
        assert!(
            after_panic.success,
            "the handler keeps working after a panic"
        );
    }

    #[derive(Deserialize, garde::Validate)]
    struct Refund {
        #[garde(range(min = 1, max = 10_000))]
        cents: u32,
        #[garde(length(min = 1))]
        reason: String,
    }

    #[tokio::test]
    async fn validated_inputs_answer_broken_rules_without_running_the_handler() {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = ran.clone();
        let refunds = handler(move |input: Refund| {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            async move { Ok::<_, String>(input.cents) }
        })
        .validated();
        let session = json!({"state": "ct"});
        let broken = refunds
            .call(json!({"session": session, "data": {"cents": 0, "reason": ""}}))
            .await;
        let error = broken.error.unwrap();
        assert!(error.contains("data.cents: "), "{error}");
        assert!(error.contains("data.reason: "), "{error}");
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "the handler did not run"
        );
        let fine = refunds
            .call(json!({"session": session, "data": {"cents": 250, "reason": "late"}}))
            .await;
        assert_eq!(fine, Envelope::success(json!(250)));
        // Without `validated`, the same input reaches the handler.
        let unchecked = handler(|input: Refund| async move { Ok::<_, String>(input.cents) })
            .call(json!({"session": session, "data": {"cents": 0, "reason": ""}}))
            .await;
        assert_eq!(unchecked, Envelope::success(json!(0)));
    }

    #[tokio::test]
    async fn flat_events_take_the_input_beside_the_session() {
        let flat = handler(sum).flat();
        let envelope = flat
            .call(json!({"session": {"state": "ct"}, "a": 1, "b": 2}))
            .await;
        assert_eq!(
            envelope,
            Envelope::success(json!({"sum": 3, "state": "ct"}))
        );
        let cases = [
            (json!({"a": 1, "b": 2}), "the event has no session"),
            (
                json!({"session": {"state": "ct"}, "a": "x", "b": 2}),
                "a: invalid type",
            ),
            (
                json!({"session": {"state": "ct"}, "a": 1}),
                "the event: missing field `b`",
            ),
            (json!([1, 2]), "must be a JSON object"),
        ];
        for (event, expected) in cases {
            let error = flat.call(event.clone()).await.error.unwrap();
            assert!(error.contains(expected), "{event}: {error}");
        }
    }

    #[tokio::test]
    async fn an_optional_session_is_not_required() {
        let envelope = handler(sum)
            .session_optional()
            .call(json!({"data": {"a": 2, "b": 2}}))
            .await;
        assert_eq!(
            envelope,
            Envelope::success(json!({"sum": 4, "state": null}))
        );
    }
}
