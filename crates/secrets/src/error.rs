//! The error of `updraft-secrets`. No variant ever holds a secret value: decoding errors keep
//! the position and the kind of problem, never the text around it.

use std::fmt;
use std::sync::Arc;

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};

/// Why a secret could not be read.
///
/// Cheap to clone: a cache hands the same failure to every caller that waited for one fetch.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No parameter or secret has this name (or this version).
    ///
    /// A fault of this service's configuration (500), not its caller's. The message leaves
    /// the name out (see the crate docs on what errors show); it is in the field.
    #[error("{provider}: the parameter or secret does not exist")]
    NotFound {
        /// The provider: `ssm`, `secretsmanager` or `extension`.
        provider: &'static str,
        /// The name asked for.
        name: String,
    },

    /// The value is not what the read asked for: not UTF-8 text, not JSON of the expected
    /// shape, not base64, or a JSON field that is missing.
    #[error("a secret's value cannot be read as asked: {reason}")]
    Decode {
        /// The name of the parameter or secret.
        name: String,
        /// What is wrong, without the value.
        reason: String,
    },

    /// The service refused to read this one (in a batch answer, or from the extension).
    ///
    /// The message has the provider and the code; the name and AWS's text are in the fields.
    #[error("{provider} refused the read: {code}")]
    Service {
        /// The provider.
        provider: &'static str,
        /// The name asked for.
        name: String,
        /// The service's error code.
        code: String,
        /// The service's message.
        message: String,
    },

    /// A name, reference or setting is malformed.
    #[error("{0}")]
    Invalid(String),

    /// Secret references in the environment did not resolve; start-up should stop.
    #[error("{} secret reference(s) did not resolve: {}", .0.len(), Unresolved::list(.0))]
    Unresolved(Vec<Unresolved>),

    /// An AWS call failed.
    #[error(transparent)]
    Aws(Arc<AwsError>),

    /// The Parameters and Secrets Lambda Extension failed.
    #[error("the Parameters and Secrets extension: {0}")]
    Extension(Arc<updraft_core::Error>),
}

/// One variable whose secret reference did not resolve.
#[derive(Debug, Clone)]
pub struct Unresolved {
    /// The variable.
    pub variable: String,
    /// Its reference, such as `ssm:///db/password`.
    pub reference: String,
    /// Why.
    pub error: Box<Error>,
}

impl Unresolved {
    fn list(all: &[Unresolved]) -> String {
        all.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.variable, self.reference, self.error)
    }
}

impl From<AwsError> for Error {
    fn from(error: AwsError) -> Self {
        Error::Aws(Arc::new(error))
    }
}

/// The codes SSM, Secrets Manager and the extension answer for a name (or version) that does
/// not exist.
const MISSING: [&str; 3] = [
    "ParameterNotFound",
    "ParameterVersionNotFound",
    "ResourceNotFoundException",
];

/// Whether an AWS error code says the name asked for does not exist.
pub(crate) fn is_missing(code: Option<&str>) -> bool {
    code.is_some_and(|code| MISSING.contains(&code))
}

impl Error {
    /// Whether trying again later may succeed (throttling, an unreachable or failing service).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }

    pub(crate) fn decode(name: &str, reason: impl Into<String>) -> Self {
        Error::Decode {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::NotFound { .. }
            | Error::Decode { .. }
            | Error::Invalid(_)
            | Error::Unresolved(_) => Kind::Config,
            Error::Service { code, .. } => Kind::of_aws_code(code),
            Error::Aws(e) => e.kind(),
            Error::Extension(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "updraft.secrets.NotFound",
            Error::Decode { .. } => "updraft.secrets.Decode",
            Error::Invalid(_) => "updraft.secrets.Invalid",
            Error::Service { .. } => "updraft.secrets.Service",
            Error::Unresolved(_) => "updraft.secrets.Unresolved",
            Error::Aws(_) => "updraft.secrets.Aws",
            Error::Extension(_) => "updraft.secrets.Extension",
        }
    }
}
