//! [`AwsError`]: an AWS SDK call that failed, without the SDK's generic error types.
//!
//! Every Updraft crate that calls an AWS service turns the SDK's `SdkError<E, R>` into this, so
//! the public error enums stay free of SDK generics and every failure knows its [`Kind`]
//! (throttled, not found, unavailable, …) and keeps its AWS error code and request id.

use std::error::Error as StdError;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{Kind, Surface};
use crate::message::batch::Rejected;

/// A failed AWS SDK call.
#[derive(Debug)]
pub struct AwsError {
    service: &'static str,
    operation: &'static str,
    kind: Kind,
    code: Option<String>,
    message: Option<String>,
    source: Box<dyn StdError + Send + Sync>,
}

impl AwsError {
    /// Classifies an SDK error of `service`'s `operation`.
    pub fn from_sdk<E, R>(
        service: &'static str,
        operation: &'static str,
        error: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let (kind, code, message) = match &error {
            SdkError::ServiceError(service_error) => {
                let inner = service_error.err();
                let code = inner.code().map(str::to_owned);
                (
                    code.as_deref().map_or(Kind::Internal, Kind::of_aws_code),
                    code,
                    inner.message().map(str::to_owned),
                )
            }
            SdkError::TimeoutError(_) => (Kind::Timeout, None, None),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                (Kind::Timeout, None, None)
            }
            other => match credentials_failure(other) {
                Some(failure) => (credentials_kind(failure), None, None),
                None if matches!(
                    other,
                    SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
                ) =>
                {
                    (Kind::Unavailable, None, None)
                }
                None => (Kind::Internal, None, None),
            },
        };
        Self {
            service,
            operation,
            kind,
            code,
            message,
            source: Box::new(error),
        }
    }

    /// The service, such as `sqs`.
    #[must_use]
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The operation, such as `SendMessageBatch`.
    #[must_use]
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The AWS error code, such as `QueueDoesNotExist`.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The AWS error message.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

/// The message names the service, the operation and the AWS error code (or what kind of
/// failure it was), never AWS's own text: that may hold ARNs, account ids and resource names,
/// and stays in the source chain for the log ([`crate::error::Report`]).
impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed", self.service, self.operation)?;
        match &self.code {
            Some(code) => write!(f, ": {code}"),
            None => f.write_str(match self.kind {
                Kind::Timeout => ": timed out",
                Kind::Unavailable => ": the service could not be reached",
                Kind::Config => ": no usable credentials",
                _ => "",
            }),
        }
    }
}

impl StdError for AwsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

impl Surface for AwsError {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn error_type(&self) -> &'static str {
        "updraft.aws.Call"
    }

    fn public_message(&self) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(self.kind.public_message())
    }
}

/// The kind of the credentials failure in `error`'s source chain, if one stopped it:
/// [`Kind::Unavailable`] when loading may pass later, [`Kind::Config`] when the process is
/// misconfigured. For errors the SDK returns without a service answer (an RDS auth token that
/// could not be signed, say), so that they surface as every credentials failure does: a 503 or
/// a 500, never a 401.
#[must_use]
pub fn credentials_failure_kind(error: &(dyn StdError + 'static)) -> Option<Kind> {
    credentials_failure(error).map(credentials_kind)
}

/// The credentials failure under an SDK error, if that is what stopped the call.
fn credentials_failure<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a CredentialsError> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(failure) = error.downcast_ref::<CredentialsError>() {
            return Some(failure);
        }
        next = error.source();
    }
    None
}

/// The kind of a credentials failure: transient (503) when a provider timed out or failed to
/// answer, configuration (500) when there is nothing to load or the setup cannot work. Never
/// 401: the caller did nothing wrong.
pub(crate) fn credentials_kind(failure: &CredentialsError) -> Kind {
    match failure {
        CredentialsError::ProviderTimedOut(_) | CredentialsError::ProviderError(_) => {
            Kind::Unavailable
        }
        _ => Kind::Config,
    }
}

/// [`crate::Error::Credentials`] for a failure of a credentials provider.
pub(crate) fn credentials_error(failure: CredentialsError) -> crate::Error {
    crate::Error::Credentials {
        transient: credentials_kind(&failure).is_transient(),
        source: Box::new(failure),
    }
}

impl From<&AwsError> for Rejected {
    /// Every entry of a batch call that failed as a whole: transient when the call's error is.
    fn from(error: &AwsError) -> Self {
        Rejected {
            code: error.code().unwrap_or("CallFailed").to_owned(),
            message: Some(error.to_string()),
            sender_fault: !error.kind.is_transient(),
        }
    }
}
