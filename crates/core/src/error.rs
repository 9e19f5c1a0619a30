//! The core error type and the vocabulary every Updraft error uses to surface itself.
//!
//! Each crate in the workspace has one `Error` enum. Each of them implements [`Surface`], which
//! says how the error leaves the process: the HTTP status a context answers with, the stable
//! `error_type` a Lambda `Diagnostic` carries, and the exit code of a Fargate task or the CLI.
//! Your own error types can implement [`Surface`] too, and the contexts will treat them the same.

use std::path::PathBuf;

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
    /// A remote service throttled the call.
    Throttled,
    /// The process is misconfigured: a missing or malformed variable or file.
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
            Kind::Throttled => 429,
            Kind::Config | Kind::Internal => 500,
            Kind::Unavailable => 503,
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
    /// `AWS.SimpleQueueService.NonExistentQueue` or `ConditionalCheckFailedException`, from the
    /// naming conventions AWS services share. Codes it does not know are [`Kind::Internal`].
    #[must_use]
    pub fn of_aws_code(code: &str) -> Kind {
        const RULES: &[(Kind, &[&str])] = &[
            (
                Kind::Throttled,
                &["throttl", "toomanyrequests", "limitexceeded", "slowdown"],
            ),
            (
                Kind::NotFound,
                &["notfound", "nonexistent", "doesnotexist", "nosuch"],
            ),
            (
                Kind::Forbidden,
                &["accessdenied", "unauthorized", "forbidden"],
            ),
            (
                Kind::Conflict,
                &["conditionalcheckfailed", "conflict", "alreadyexists"],
            ),
            (
                Kind::Unavailable,
                &[
                    "unavailable",
                    "internalerror",
                    "internalfailure",
                    "internalserver",
                ],
            ),
            (
                Kind::BadInput,
                &["invalid", "validation", "malformed", "toolong", "missing"],
            ),
        ];
        let lower = code.to_ascii_lowercase();
        RULES
            .iter()
            .find(|(_, needles)| needles.iter().any(|n| lower.contains(n)))
            .map_or(Kind::Internal, |(kind, _)| *kind)
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
    #[error("cannot load AWS credentials: {source}")]
    Credentials {
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
    #[error("cannot reach {service} at {endpoint}: {source}")]
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
    #[error("{service} at {endpoint} did not answer in time: {source}")]
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
    #[error("{service} answered {status}{}{}",
        code.as_ref().map(|c| format!(" {c}")).unwrap_or_default(),
        message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
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
            Error::Credentials { .. } => Kind::Unauthorized,
            Error::Unreachable { .. } => Kind::Unavailable,
            Error::Timeout { .. } => Kind::Timeout,
            Error::Service {
                code: Some(code), ..
            } if Kind::of_aws_code(code) != Kind::Internal => Kind::of_aws_code(code),
            Error::Service { status, .. } => match status {
                400 => Kind::BadInput,
                401 => Kind::Unauthorized,
                403 => Kind::Forbidden,
                404 => Kind::NotFound,
                409 | 412 => Kind::Conflict,
                429 => Kind::Throttled,
                502..=504 => Kind::Unavailable,
                _ => Kind::Internal,
            },
            Error::SessionEncode { .. } | Error::Signing { .. } | Error::Response { .. } => {
                Kind::Internal
            }
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
            Kind::NotFound
        );
        assert_eq!(Kind::of_aws_code("QueueDoesNotExist"), Kind::NotFound);
        assert_eq!(
            Kind::of_aws_code("ConditionalCheckFailedException"),
            Kind::Conflict
        );
        assert_eq!(Kind::of_aws_code("AccessDeniedException"), Kind::Forbidden);
        assert_eq!(Kind::of_aws_code("InvalidParameterValue"), Kind::BadInput);
        assert_eq!(Kind::of_aws_code("InternalError"), Kind::Unavailable);
        assert_eq!(Kind::of_aws_code("SomethingNew"), Kind::Internal);
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
        assert_eq!(service(500).kind(), Kind::Internal);
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
