//! [`LambdaInvoker`]: typed invocations of other Lambda functions, with the current `Session`.

mod payload;

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use updraft_core::aws::AwsError;
use updraft_core::aws::TimeoutConfig;
use updraft_core::aws::settings::DEFAULT_CONNECT_TIMEOUT;
use updraft_core::{Env, SdkConfig};

use payload::Shape;
pub use payload::{ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT};

use crate::{Error, Function, IntoFunction};

/// The variable that overrides how long a synchronous invocation may take.
pub const TIMEOUT_VAR: &str = "UPDRAFT_INVOKE_TIMEOUT";

/// How long a synchronous invocation may take by default: Lambda's longest run, 15 minutes,
/// plus a margin for the call itself.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(905);

/// Invokes Lambda functions by name, with the current [`Session`](updraft_core::Session)
/// carried in the payload.
///
/// Cheap to clone; build it once per process and share it. Throttling and dropped connections
/// are retried by the SDK client under the configuration's retry settings
/// (`AWS_MAX_ATTEMPTS`, see `updraft_core::aws::settings`).
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: aws_sdk_lambda::Client,
}

impl LambdaInvoker {
    /// An invoker on the clients of `config`, whose synchronous calls may take up to
    /// [`DEFAULT_TIMEOUT`].
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_timeout(config, DEFAULT_TIMEOUT)
    }

    /// An invoker whose synchronous calls may take up to `timeout` (until the reply's first
    /// byte); keep it under the caller's own remaining time. The connect timeout comes from
    /// `config`; its attempt and operation timeouts, meant for quick AWS calls, do not apply
    /// to invocations.
    #[must_use]
    pub fn with_timeout(config: &SdkConfig, timeout: Duration) -> Self {
        let connect = config
            .timeout_config()
            .and_then(TimeoutConfig::connect_timeout)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(connect)
            .read_timeout(timeout)
            .build();
        Self::from_client(updraft_core::traced_client!(
            aws_sdk_lambda,
            config,
            |builder| { builder.timeout_config(timeouts) }
        ))
    }

    /// An invoker with the timeout of [`TIMEOUT_VAR`] in `env`, else [`DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming `UPDRAFT_INVOKE_TIMEOUT` when it is not a duration.
    pub fn from_env(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        let timeout = env.duration(TIMEOUT_VAR)?.unwrap_or(DEFAULT_TIMEOUT);
        Ok(Self::with_timeout(config, timeout))
    }

    /// Loads the AWS configuration and `.env` (see `updraft_core::aws::load`) and builds an
    /// invoker from them.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the configuration does not load or a variable is malformed.
    pub async fn load() -> Result<Self, Error> {
        let config = updraft_core::aws::load().await?;
        Self::from_env(&config, &Env::load()?)
    }

    /// An invoker on a client you built.
    #[must_use]
    pub fn from_client(client: aws_sdk_lambda::Client) -> Self {
        Self { client }
    }

    /// Invokes `function` and waits for its answer: sends `{"session": <current>, "data":
    /// input}`, what the invoke context of `updraft-contexts` reads, and decodes the
    /// `{success, data | error}` reply's data into an `O`.
    ///
    /// `function` is a name, `name:qualifier`, ARN, or a [`Function`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidFunction`], [`Error::Encode`] or [`Error::PayloadTooLarge`] (over
    ///   6 MB) before any call;
    /// - [`Error::Invocation`] when the call does not reach the function;
    /// - [`Error::Function`] when the function raised;
    /// - [`Error::Envelope`] when it answered `success: false`;
    /// - [`Error::Decode`] when the reply or its data is not an `O`.
    pub async fn invoke<I, O>(&self, function: impl IntoFunction, input: &I) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let function = function.into_function()?;
        let payload = payload::encode(&function, input, Shape::Envelope)?;
        let reply = self.call(&function, payload, false).await?;
        payload::decode_envelope(&function, &reply)
    }

    /// Like [`invoke`](Self::invoke) for functions that take the flat payloads of
    /// aws-python-helper (the Mongo model-query proxy): the input, a JSON object, gets a
    /// `session` field with the current session. The reply is the same envelope.
    ///
    /// # Errors
    ///
    /// [`Error::FlatInput`] when the input is not an object or has its own `session`, and the
    /// errors of [`invoke`](Self::invoke).
    pub async fn invoke_flat<I, O>(
        &self,
        function: impl IntoFunction,
        input: &I,
    ) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let function = function.into_function()?;
        let payload = payload::encode(&function, input, Shape::Flat)?;
        let reply = self.call(&function, payload, false).await?;
        payload::decode_envelope(&function, &reply)
    }

    /// Sends `payload` as it is and returns the function's JSON answer as it is (`null` for
    /// an empty one), for functions that are not Updraft's. No session is added.
    ///
    /// # Errors
    ///
    /// The errors of [`invoke`](Self::invoke), except [`Error::Envelope`]; [`Error::Decode`]
    /// when the answer is not JSON.
    pub async fn invoke_raw(
        &self,
        function: impl IntoFunction,
        payload: &Value,
    ) -> Result<Value, Error> {
        let function = function.into_function()?;
        let payload = serde_json::to_vec(payload).map_err(|source| Error::Encode {
            function: function.clone(),
            source,
        })?;
        let reply = self.call(&function, payload, false).await?;
        payload::decode_raw(&function, &reply)
    }

    /// Queues an invocation of `function` with `{"session": <current>, "data": input}` (the
    /// Event type) and returns once Lambda accepted it; the function runs later, and Lambda
    /// retries it twice if it fails.
    ///
    /// # Errors
    ///
    /// [`Error::PayloadTooLarge`] over 1 MB, [`Error::Invocation`] when Lambda refuses the
    /// event, [`Error::NotAccepted`] when it answers anything but 202.
    pub async fn invoke_async<I>(&self, function: impl IntoFunction, input: &I) -> Result<(), Error>
    where
        I: Serialize + ?Sized,
    {
        let function = function.into_function()?;
        let payload = payload::encode(&function, input, Shape::Envelope)?;
        self.call(&function, payload, true).await.map(drop)
    }

    /// Queues an invocation with `payload` as it is, for functions that are not Updraft's.
    ///
    /// # Errors
    ///
    /// As [`invoke_async`](Self::invoke_async).
    pub async fn invoke_async_raw(
        &self,
        function: impl IntoFunction,
        payload: &Value,
    ) -> Result<(), Error> {
        let function = function.into_function()?;
        let payload = serde_json::to_vec(payload).map_err(|source| Error::Encode {
            function: function.clone(),
            source,
        })?;
        self.call(&function, payload, true).await.map(drop)
    }

    /// One Invoke call; the reply's payload, or the function's error.
    async fn call(
        &self,
        function: &Function,
        payload: Vec<u8>,
        asynchronous: bool,
    ) -> Result<Vec<u8>, Error> {
        payload::check_size(function, &payload, asynchronous)?;
        let invocation_type = if asynchronous {
            InvocationType::Event
        } else {
            InvocationType::RequestResponse
        };
        let output = self
            .client
            .invoke()
            .function_name(function.target())
            .set_qualifier(function.qualifier().map(str::to_owned))
            .invocation_type(invocation_type)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| Error::Invocation {
                function: function.clone(),
                source: Box::new(AwsError::from_sdk("lambda", "Invoke", e)),
            })?;
        let status = output.status_code();
        let reply = output.payload.map(Blob::into_inner).unwrap_or_default();
        if let Some(raised) = output.function_error.as_deref() {
            tracing::warn!(%function, function_error = raised, "the invoked function raised");
            return Err(payload::function_error(function, raised, &reply));
        }
        let expected = if asynchronous { 202 } else { 200 };
        if status != expected {
            return Err(Error::NotAccepted {
                function: function.clone(),
                status,
            });
        }
        Ok(reply)
    }
}
