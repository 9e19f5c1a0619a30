//! The error of `updraft-invoke`: one enum for both halves, each variant naming the function
//! (and qualifier) or the service it is about.

use std::error::Error as StdError;

use updraft_core::error::{Kind, Surface};

use crate::function::Function;

/// Why an invocation or a service call failed.
///
/// Messages name a function by its name and qualifier only, never by its ARN, and never repeat
/// a callee's error text or response body: those are in the fields, for the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A missing or malformed variable or setting; the error names it.
    #[error(transparent)]
    Config(#[from] updraft_core::Error),

    /// The function name is not one Lambda accepts.
    #[error("`{0}` is not a Lambda function name, name:qualifier or ARN")]
    InvalidFunction(String),

    /// The input could not be written as JSON.
    #[error("the input for {function} does not serialize to JSON: {source}")]
    Encode {
        /// The function.
        function: Function,
        /// Why.
        #[source]
        source: serde_json::Error,
    },

    /// A flat invocation's input is not a JSON object, or already has a `session` field: the
    /// invoker sets the session from the current one, never from the input.
    #[error("the input for {function} must be a JSON object without a `session` field")]
    FlatInput {
        /// The function.
        function: Function,
    },

    /// The payload is over Lambda's limit, found before any call.
    #[error("the payload for {function} is {size} bytes; {} invocations take at most {limit}", if *asynchronous { "asynchronous" } else { "synchronous" })]
    PayloadTooLarge {
        /// The function.
        function: Function,
        /// The payload's size in bytes.
        size: usize,
        /// Lambda's limit in bytes.
        limit: usize,
        /// Whether the invocation was asynchronous (Event).
        asynchronous: bool,
    },

    /// The call did not reach the function: transport, permission, throttling after
    /// retries, an unknown function.
    #[cfg(feature = "lambda")]
    #[cfg_attr(docsrs, doc(cfg(feature = "lambda")))]
    #[error("invoking {function} failed: {source}")]
    Invocation {
        /// The function.
        function: Function,
        /// The AWS error, with its code and kind.
        #[source]
        source: Box<updraft_core::aws::AwsError>,
    },

    /// The function raised: Lambda answered with `FunctionError`.
    #[error("{function} raised an error ({function_error})")]
    Function {
        /// The function.
        function: Function,
        /// Lambda's `FunctionError`, such as `Unhandled`.
        function_error: String,
        /// The payload's `errorType`, when it had one.
        error_type: Option<String>,
        /// The payload's `errorMessage`, when it had one.
        error_message: Option<String>,
    },

    /// The function answered `{"success": false, "error": …}`.
    #[error("{function} answered with an error: {message}")]
    Envelope {
        /// The function.
        function: Function,
        /// The envelope's error text.
        message: String,
    },

    /// The reply is not JSON, not an envelope, or its data is not the type asked for.
    #[error("the reply of {function} does not decode: {reason}")]
    Decode {
        /// The function.
        function: Function,
        /// What did not fit.
        reason: String,
    },

    /// Lambda answered with an unexpected status: not 202 for an asynchronous (Event)
    /// invocation, not 200 for a synchronous one.
    #[error("{function} answered with status {status}")]
    NotAccepted {
        /// The function.
        function: Function,
        /// The status Lambda answered with.
        status: i32,
    },

    /// No base URL is configured for this service name.
    #[error(
        "the service `{name}` is not configured in MICROSERVICE_URLS (known: {})",
        known_list(known)
    )]
    ServiceNotConfigured {
        /// The name asked for.
        name: String,
        /// The names that are configured, sorted.
        known: Vec<String>,
    },

    /// The request cannot be built: a path with `..` or a fragment, a header that is not
    /// valid, a header the client sets itself.
    #[error("invalid request to `{service}`: {reason}")]
    InvalidRequest {
        /// The service.
        service: String,
        /// Why.
        reason: String,
    },

    /// The service could not be reached or did not answer in time (after retries).
    #[error("calling `{service}` failed: {reason}")]
    Client {
        /// The service.
        service: String,
        /// Whether the call ran out of time.
        timed_out: bool,
        /// What happened.
        reason: String,
        /// The transport error, when there was one.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },

    /// The service answered with a status of 400 or more.
    #[error("`{service}` answered {method} {path} with status {status}")]
    Response {
        /// The service.
        service: String,
        /// The method.
        method: http::Method,
        /// The path, without the query.
        path: String,
        /// The status code.
        status: u16,
        /// The first [`ERROR_BODY_LIMIT`](crate::api::ERROR_BODY_LIMIT) bytes of the body.
        body: String,
    },

    /// A successful answer's body is not the type asked for, or is over the size limit.
    #[error("the answer of `{service}` to {method} {path} does not decode: {reason}")]
    ResponseDecode {
        /// The service.
        service: String,
        /// The method.
        method: http::Method,
        /// The path, without the query.
        path: String,
        /// What did not fit.
        reason: String,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

impl Error {
    /// The status of a [`Error::Response`], `None` for other errors.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The function this error is about, for a Lambda error.
    #[must_use]
    pub fn function(&self) -> Option<&Function> {
        match self {
            Error::Encode { function, .. }
            | Error::FlatInput { function }
            | Error::PayloadTooLarge { function, .. }
            | Error::Function { function, .. }
            | Error::Envelope { function, .. }
            | Error::Decode { function, .. }
            | Error::NotAccepted { function, .. } => Some(function),
            #[cfg(feature = "lambda")]
            Error::Invocation { function, .. } => Some(function),
            _ => None,
        }
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Config(e) => e.kind(),
            Error::InvalidFunction(_) | Error::ServiceNotConfigured { .. } => Kind::Config,
            Error::FlatInput { .. } | Error::PayloadTooLarge { .. } => Kind::BadInput,
            #[cfg(feature = "lambda")]
            Error::Invocation { source, .. } => source.kind(),
            Error::Client { timed_out, .. } => {
                if *timed_out {
                    Kind::Timeout
                } else {
                    Kind::Unavailable
                }
            }
            Error::Response { status, .. } => match status {
                429 => Kind::Throttled,
                502 | 503 => Kind::Unavailable,
                504 => Kind::Timeout,
                _ => Kind::Internal,
            },
            Error::Encode { .. }
            | Error::Function { .. }
            | Error::Envelope { .. }
            | Error::Decode { .. }
            | Error::NotAccepted { .. }
            | Error::InvalidRequest { .. }
            | Error::ResponseDecode { .. } => Kind::Internal,
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Config(e) => e.error_type(),
            Error::InvalidFunction(_) => "updraft.invoke.InvalidFunction",
            Error::Encode { .. } => "updraft.invoke.Encode",
            Error::FlatInput { .. } => "updraft.invoke.FlatInput",
            Error::PayloadTooLarge { .. } => "updraft.invoke.PayloadTooLarge",
            #[cfg(feature = "lambda")]
            Error::Invocation { .. } => "updraft.invoke.Invocation",
            Error::Function { .. } => "updraft.invoke.Function",
            Error::Envelope { .. } => "updraft.invoke.Envelope",
            Error::Decode { .. } => "updraft.invoke.Decode",
            Error::NotAccepted { .. } => "updraft.invoke.NotAccepted",
            Error::ServiceNotConfigured { .. } => "updraft.invoke.ServiceNotConfigured",
            Error::InvalidRequest { .. } => "updraft.invoke.InvalidRequest",
            Error::Client { .. } => "updraft.invoke.Client",
            Error::Response { .. } => "updraft.invoke.Response",
            Error::ResponseDecode { .. } => "updraft.invoke.ResponseDecode",
        }
    }
}
