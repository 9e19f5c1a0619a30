//! The core error type and the vocabulary every Updraft error uses to surface itself.
//!
//! Each crate in the workspace has one `Error` enum. Each of them implements [`Surface`], which
//! says how the error leaves the process: the HTTP status a context answers with, the stable
//! `error_type` a Lambda `Diagnostic` carries, and the exit code of a Fargate task or the CLI.
//! Your own error types can implement [`Surface`] too, and the contexts will treat them the same.

// Over 400 lines with its tests; the code (the one error type and its surface) is about 400
// lines.

mod codes;
mod report;

use std::borrow::Cow;
use std::path::PathBuf;

pub use report::Report;

/// What went wrong, in the coarse terms a caller acts on.
///
/// The kind decides the HTTP status ([`Kind::http_status`]) and the process exit code
/// ([`Kind::exit_code`]) of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The caller sent something malformed: a bad event, header, body or attribute.
    BadInput,
    /// The caller is not authenticated.
    Unauthorized,
    /// The caller is authenticated but not allowed.
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// A condition or version check failed.
    Conflict,
    /// A remote service throttled the call. Answered 503 with `Retry-After`: it is this
    /// service's dependency that is saturated, not its caller.
    Throttled,
    /// The process is misconfigured: a missing or malformed variable or file, a table, queue
    /// or secret that does not exist, credentials or an IAM role that AWS refuses.
    Config,
    /// A dependency could not be reached.
    Unavailable,
    /// A dependency did not answer in time.
    Timeout,
    /// Anything else: a bug or an unexpected answer from a dependency.
    Internal,
}

impl Kind {
    /// The HTTP status an HTTP context answers with for this kind.
    #[must_use]
    pub fn http_status(self) -> u16 {
        match self {
            Kind::BadInput => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::Config | Kind::Internal => 500,
            Kind::Throttled | Kind::Unavailable => 503,
            Kind::Timeout => 504,
        }
    }

    /// The process exit code for this kind, following BSD `sysexits.h`.
    ///
    /// Fargate tasks and the CLI exit with it, so a scheduler can tell a bad input
    /// (65, `EX_DATAERR`) from a misconfiguration (78, `EX_CONFIG`) or an outage
    /// (69, `EX_UNAVAILABLE`; 75, `EX_TEMPFAIL`).
    #[must_use]
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::BadInput | Kind::NotFound | Kind::Conflict => 65,
            Kind::Unauthorized | Kind::Forbidden => 77,
            Kind::Config => 78,
            Kind::Unavailable => 69,
            Kind::Throttled | Kind::Timeout => 75,
            Kind::Internal => 70,
        }
    }

    /// Whether retrying the same call later may succeed.
    #[must_use]
    pub fn is_transient(self) -> bool {
        matches!(self, Kind::Throttled | Kind::Unavailable | Kind::Timeout)
    }

    /// The kind of an AWS error code such as `ThrottlingException`,
    /// `AWS.SimpleQueueService.NonExistentQueue` or `ConditionalCheckFailedException`, from
    /// one exact table (see the module `codes` for its rules). Codes it does not know are
    /// [`Kind::Internal`].
    #[must_use]
    pub fn of_aws_code(code: &str) -> Kind {
        codes::lookup(code).unwrap_or(Kind::Internal)
    }

    /// The kind of an AWS error answer: its code when the table knows it, else its HTTP
    /// status (401 and 403 from AWS refuse this service's credentials: [`Kind::Config`]).
    #[must_use]
    pub fn of_aws_answer(code: Option<&str>, status: u16) -> Kind {
        code.and_then(codes::lookup)
            .unwrap_or_else(|| codes::of_status(status))
    }

    /// A stable message for this kind, safe to show a caller: it names no resource and
    /// repeats no error text.
    #[must_use]
    pub fn public_message(self) -> &'static str {
        match self {
            Kind::BadInput => "the request is invalid",
            Kind::Unauthorized => "authentication is required",
            Kind::Forbidden => "this request is not allowed",
            Kind::NotFound => "not found",
            Kind::Conflict => "the request conflicts with the current state",
            Kind::Throttled => "a dependency is throttling requests; retry later",
            Kind::Config | Kind::Internal => "internal server error",
            Kind::Unavailable => "a dependency is unavailable",
            Kind::Timeout => "a dependency timed out",
        }
    }

    /// The seconds a caller should wait before retrying, sent as `Retry-After`: for
    /// throttling only.
    #[must_use]
    pub fn retry_after(self) -> Option<u32> {
        match self {
            Kind::Throttled => Some(1),
            _ => None,
        }
    }
}

/// How an error surfaces outside the process.
///
/// Implemented by every Updraft error. Implement it for your own errors so that the contexts
/// turn them into the right HTTP status, Lambda `error_type` and exit code.
///
/// # Example
///
/// ```
/// use updraft_core::error::{Kind, Surface};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("order {0} does not exist")]
/// struct NoSuchOrder(String);
///
/// impl Surface for NoSuchOrder {
///     fn kind(&self) -> Kind {
///         Kind::NotFound
///     }
///     fn error_type(&self) -> &'static str {
///         "orders.NoSuchOrder"
///     }
/// }
///
/// assert_eq!(NoSuchOrder("o-1".into()).kind().http_status(), 404);
/// ```
pub trait Surface: std::error::Error {
    /// The coarse kind of the error.
    fn kind(&self) -> Kind;

    /// A stable, dotted name for the error, used as the Lambda `Diagnostic::error_type`.
    ///
    /// It must not change between releases: alarms and retry policies match on it.
    fn error_type(&self) -> &'static str;

    /// What a caller may be told about this error: a stable text that names no resource and
    /// repeats no AWS error text, ARN or account id.
    ///
    /// The default is the error's own message for errors of the caller's making (4xx kinds)
    /// and [`Kind::public_message`] for the rest. Updraft's errors that wrap an AWS call
    /// answer with their kind's message; the whole error, with its source chain, goes to the
    /// log ([`Report`]).
    fn public_message(&self) -> Cow<'static, str> {
        let kind = self.kind();
        if kind.http_status() < 500 {
            Cow::Owned(self.to_string())
        } else {
            Cow::Borrowed(kind.public_message())
        }
    }
}

/// The error of `updraft-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No AWS region is configured.
    #[error(
        "no AWS region is set: set the AWS_REGION variable (or AWS_DEFAULT_REGION, or `region` in the AWS profile{})",
        profile.as_ref().map(|p| format!(" `{p}`")).unwrap_or_default()
    )]
    MissingRegion {
        /// The AWS profile that was consulted, if one was named.
        profile: Option<String>,
    },

    /// A required variable is not set.
    #[error("the variable {name} is not set")]
    MissingVar {
        /// The variable's name.
        name: String,
    },

    /// A variable is set to a value that cannot be used.
    #[error("the variable {name} is invalid: {reason}")]
    InvalidVar {
        /// The variable's name.
        name: String,
        /// Why the value was rejected. Never contains the value of a secret.
        reason: String,
    },

    /// A `.env` file could not be read or parsed.
    #[error("cannot read the env file {}: {reason}", path.display())]
    DotEnv {
        /// The file.
        path: PathBuf,
        /// What went wrong, with the line and column of a syntax error. It never quotes the
        /// file's content, which may hold secrets.
        reason: String,
    },

    /// A session could not be decoded from one of its wire formats.
    #[error("malformed session in {origin}: {reason}")]
    MalformedSession {
        /// Where the session came from: `the SESSION variable`, `the session attribute`, a header name.
        origin: String,
        /// Why it was rejected. Never contains the session itself.
        reason: String,
    },

    /// A session could not be encoded into a wire format.
    #[error("cannot encode the session as {target}: {reason}")]
    SessionEncode {
        /// The wire format, such as the header name.
        target: String,
        /// Why encoding failed.
        reason: String,
    },

    /// A request was asked for state-scoped work but carries no session state.
    #[error("this request needs a session with a state, and it has none")]
    MissingSessionState,

    /// Credentials could not be loaded.
    ///
    /// A server fault, never a 401: 503 when loading may pass later (a provider that timed
    /// out or failed to answer), 500 when the process is misconfigured (no provider, or one
    /// that cannot work).
    #[error("cannot load AWS credentials")]
    Credentials {
        /// Whether a later attempt may succeed.
        transient: bool,
        /// The provider's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A raw request was malformed before it was sent (bad URI, header or endpoint).
    #[error("invalid request to {service}: {reason}")]
    InvalidRequest {
        /// The service the request was for.
        service: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Signing a raw request failed.
    #[error("cannot sign the request to {service}: {source}")]
    Signing {
        /// The service the request was for.
        service: String,
        /// The signer's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The endpoint could not be reached: refused, reset, or a DNS or TLS failure.
    ///
    /// The message names the service only; the endpoint (which may hold an API id or an
    /// account id) and the transport error are in the fields and the source chain.
    #[error("cannot reach {service}")]
    Unreachable {
        /// The service the request was for.
        service: String,
        /// The endpoint that was tried.
        endpoint: String,
        /// The transport error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The endpoint did not answer within the configured timeouts.
    #[error("{service} did not answer in time")]
    Timeout {
        /// The service the request was for.
        service: String,
        /// The endpoint that was tried.
        endpoint: String,
        /// The timeout that fired.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The service answered with an error status.
    ///
    /// The message has the status and the AWS error code; AWS's own text (which may name
    /// ARNs, account ids and resources) stays in [`Error::Service::message`] and the log.
    #[error("{service} answered {status}{}",
        code.as_ref().map(|c| format!(" {c}")).unwrap_or_default())]
    Service {
        /// The service the request was for.
        service: String,
        /// The HTTP status.
        status: u16,
        /// The AWS error code, such as `AWS.SimpleQueueService.NonExistentQueue`.
        code: Option<String>,
        /// The AWS error message.
        message: Option<String>,
        /// The request id AWS assigned, for support cases.
        request_id: Option<String>,
    },

    /// A response body could not be read or decoded.
    #[error("cannot read the response from {service}: {reason}")]
    Response {
        /// The service the response came from.
        service: String,
        /// What went wrong.
        reason: String,
    },
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::MissingRegion { .. }
            | Error::MissingVar { .. }
            | Error::InvalidVar { .. }
            | Error::DotEnv { .. }
            | Error::InvalidRequest { .. } => Kind::Config,
            Error::MalformedSession { .. } | Error::MissingSessionState => Kind::BadInput,
            Error::Credentials { transient, .. } => {
                if *transient {
                    Kind::Unavailable
                } else {
                    Kind::Config
                }
            }
            Error::Unreachable { .. } => Kind::Unavailable,
            Error::Timeout { .. } => Kind::Timeout,
            Error::Service { status, code, .. } => Kind::of_aws_answer(code.as_deref(), *status),
            Error::SessionEncode { .. } | Error::Signing { .. } | Error::Response { .. } => {
                Kind::Internal
            }
        }
    }

    fn public_message(&self) -> Cow<'static, str> {
        match self {
            // These name where the session came from, never its content.
            Error::MalformedSession { .. } | Error::MissingSessionState => {
                Cow::Owned(self.to_string())
            }
            _ => Cow::Borrowed(self.kind().public_message()),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::MissingRegion { .. } => "updraft.core.MissingRegion",
            Error::MissingVar { .. } => "updraft.core.MissingVar",
            Error::InvalidVar { .. } => "updraft.core.InvalidVar",
            Error::DotEnv { .. } => "updraft.core.DotEnv",
            Error::MalformedSession { .. } => "updraft.core.MalformedSession",
            Error::SessionEncode { .. } => "updraft.core.SessionEncode",
            Error::MissingSessionState => "updraft.core.MissingSessionState",
            Error::Credentials { .. } => "updraft.core.Credentials",
            Error::InvalidRequest { .. } => "updraft.core.InvalidRequest",
            Error::Signing { .. } => "updraft.core.Signing",
            Error::Unreachable { .. } => "updraft.core.Unreachable",
            Error::Timeout { .. } => "updraft.core.Timeout",
            Error::Service { .. } => "updraft.core.Service",
            Error::Response { .. } => "updraft.core.Response",
        }
    }
}

impl Error {
    /// An [`Error::InvalidVar`] for `name`.
    pub fn invalid_var(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidVar {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_codes_map_to_kinds() {
        assert_eq!(Kind::of_aws_code("ThrottlingException"), Kind::Throttled);
        assert_eq!(
            Kind::of_aws_code("AWS.SimpleQueueService.NonExistentQueue"),
            Kind::Config
        );
        assert_eq!(Kind::of_aws_code("QueueDoesNotExist"), Kind::Config);
        assert_eq!(
            Kind::of_aws_code("ConditionalCheckFailedException"),
            Kind::Conflict
        );
        assert_eq!(Kind::of_aws_code("AccessDeniedException"), Kind::Config);
        assert_eq!(Kind::of_aws_code("InvalidParameterValue"), Kind::BadInput);
        assert_eq!(Kind::of_aws_code("InternalError"), Kind::Unavailable);
        assert_eq!(Kind::of_aws_code("SomethingNew"), Kind::Internal);
    }

    #[test]
    fn credential_failures_are_server_faults_never_401() {
        let failure = |transient| Error::Credentials {
            transient,
            source: "the provider said no".into(),
        };
        assert_eq!(failure(true).kind().http_status(), 503);
        assert_eq!(failure(false).kind().http_status(), 500);
        assert!(!failure(false).to_string().contains("said no"));
    }

    #[test]
    fn service_errors_keep_aws_text_out_of_their_message() {
        let error = Error::Service {
            service: "dynamodb".into(),
            status: 400,
            code: Some("AccessDeniedException".into()),
            message: Some(
                "User: arn:aws:sts::123456789012:assumed-role/app is not authorized".into(),
            ),
            request_id: Some("r-1".into()),
        };
        let shown = error.to_string();
        assert_eq!(shown, "dynamodb answered 400 AccessDeniedException");
        assert_eq!(error.kind(), Kind::Config);
        assert_eq!(error.public_message(), "internal server error");
        let unreachable = Error::Unreachable {
            service: "execute-api".into(),
            endpoint: "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod".into(),
            source: "connection refused".into(),
        };
        assert_eq!(unreachable.to_string(), "cannot reach execute-api");
        assert!(
            Report(&unreachable)
                .to_string()
                .contains("connection refused")
        );
    }

    #[test]
    fn throttling_is_503_with_retry_after() {
        assert_eq!(Kind::Throttled.http_status(), 503);
        assert_eq!(Kind::Throttled.retry_after(), Some(1));
        assert_eq!(Kind::Unavailable.retry_after(), None);
    }

    #[test]
    fn missing_region_names_the_variables_and_the_profile() {
        let plain = Error::MissingRegion { profile: None }.to_string();
        assert!(plain.contains("AWS_REGION") && plain.contains("AWS_DEFAULT_REGION"));
        let with_profile = Error::MissingRegion {
            profile: Some("dev".into()),
        }
        .to_string();
        assert!(with_profile.contains("profile `dev`"), "{with_profile}");
    }

    #[test]
    fn service_errors_map_status_to_kind() {
        let service = |status| Error::Service {
            service: "sqs".into(),
            status,
            code: None,
            message: None,
            request_id: None,
        };
        assert_eq!(service(404).kind(), Kind::NotFound);
        assert_eq!(service(429).kind(), Kind::Throttled);
        assert_eq!(service(503).kind(), Kind::Unavailable);
        assert_eq!(service(500).kind(), Kind::Unavailable);
        assert_eq!(service(403).kind(), Kind::Config);
        assert!(service(503).kind().is_transient());
        assert_eq!(
            service(400).to_string(),
            "sqs answered 400",
            "no code or message, no dangling separators"
        );
    }

    #[test]
    fn kinds_have_distinct_exit_codes_for_input_config_and_outage() {
        assert_eq!(Kind::BadInput.exit_code(), 65);
        assert_eq!(Kind::Config.exit_code(), 78);
        assert_eq!(Kind::Unavailable.exit_code(), 69);
        assert_eq!(Kind::Config.http_status(), 500);
        assert_eq!(Kind::BadInput.http_status(), 400);
    }
}
