//! The error of `updraft-apigw-authorizer`, and [`Unauthorized`], the failure that makes API
//! Gateway answer 401.

use updraft_core::error::{Kind, Surface};

/// Why an authorizer event or response is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event is not an authorizer event of the kind expected, or lacks a field.
    #[error("malformed authorizer event: {0}")]
    MalformedEvent(String),
    /// A method or route ARN that is not `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/…`.
    #[error("`{arn}` is not an execute-api ARN: {reason}")]
    InvalidArn {
        /// The text.
        arn: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A principal id API Gateway would refuse (empty, or with control characters).
    #[error("invalid principal id: {0}")]
    InvalidPrincipal(&'static str),
    /// A policy resource that is neither `*` nor an execute-api ARN.
    #[error("invalid policy resource `{resource}`: it must be `*` or an execute-api ARN")]
    InvalidResource {
        /// The resource.
        resource: String,
    },
    /// A context key or value API Gateway would refuse.
    #[error("invalid context entry `{key}`: {reason}")]
    InvalidContext {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// An empty usage identifier key.
    #[error("the usage identifier key is empty")]
    EmptyUsageKey,
    /// A policy without any statement.
    #[error("a policy needs at least one statement")]
    EmptyPolicy,
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::MalformedEvent(_) | Error::InvalidArn { .. } => Kind::BadInput,
            _ => Kind::Internal,
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::MalformedEvent(_) => "updraft.authorizer.MalformedEvent",
            Error::InvalidArn { .. } => "updraft.authorizer.InvalidArn",
            Error::InvalidPrincipal(_) => "updraft.authorizer.InvalidPrincipal",
            Error::InvalidResource { .. } => "updraft.authorizer.InvalidResource",
            Error::InvalidContext { .. } => "updraft.authorizer.InvalidContext",
            Error::EmptyUsageKey => "updraft.authorizer.EmptyUsageKey",
            Error::EmptyPolicy => "updraft.authorizer.EmptyPolicy",
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(error: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The failure that tells API Gateway to answer `401 Unauthorized`: the function must fail
/// with the message `Unauthorized`, exactly. Return it as the handler's error, or use
/// [`unauthorized`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, thiserror::Error)]
#[error("Unauthorized")]
pub struct Unauthorized;

/// [`Unauthorized`], as a function: `return Err(unauthorized())`.
#[must_use]
pub fn unauthorized() -> Unauthorized {
    Unauthorized
}

impl From<Unauthorized> for lambda_runtime::Diagnostic {
    fn from(_: Unauthorized) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "Unauthorized".to_owned(),
            error_message: "Unauthorized".to_owned(),
        }
    }
}

/// What an authorizer handler fails with: [`Unauthorized`] (401), or an event or response that
/// is not valid (API Gateway answers 500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// Answer 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// Something was malformed.
    #[error(transparent)]
    Invalid(#[from] Error),
}

impl From<Unauthorized> for Denial {
    fn from(_: Unauthorized) -> Self {
        Denial::Unauthorized
    }
}

impl From<Denial> for lambda_runtime::Diagnostic {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::Unauthorized => Unauthorized.into(),
            Denial::Invalid(error) => error.into(),
        }
    }
}
