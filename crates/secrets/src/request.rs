//! [`Request`]: which parameter or secret to read, and at which version.

use std::fmt;

/// A version of a parameter or secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// An SSM version number (`3`) or a Secrets Manager version id.
    Id(String),
    /// An SSM label or a Secrets Manager staging label (`AWSPREVIOUS`).
    Stage(String),
}

/// What to read: a name (or ARN), and optionally a version. Built from a `&str` or `String`
/// for the current version.
///
/// ```
/// use updraft_secrets::{Request, Version};
///
/// let current: Request = "/app/db/password".into();
/// let previous = Request::new("prod/db").stage("AWSPREVIOUS");
/// assert_eq!(previous.version(), Some(&Version::Stage("AWSPREVIOUS".into())));
/// # let _ = current;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    name: String,
    version: Option<Version>,
}

impl Request {
    /// The current version of `name`.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: None,
        }
    }

    /// This version id (SSM: the version number).
    #[must_use]
    pub fn version_id(mut self, id: impl Into<String>) -> Self {
        self.version = Some(Version::Id(id.into()));
        self
    }

    /// The version with this staging label (SSM: this parameter label).
    #[must_use]
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.version = Some(Version::Stage(stage.into()));
        self
    }

    /// The name or ARN.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version, if one was asked for.
    #[must_use]
    pub fn version(&self) -> Option<&Version> {
        self.version.as_ref()
    }
}

impl From<&str> for Request {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for Request {
    fn from(name: String) -> Self {
        Self::new(name)
    }
}

impl From<&String> for Request {
    fn from(name: &String) -> Self {
        Self::new(name.as_str())
    }
}

impl From<&Request> for Request {
    fn from(request: &Request) -> Self {
        request.clone()
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            None => f.write_str(&self.name),
            Some(Version::Id(id)) => write!(f, "{} (version {id})", self.name),
            Some(Version::Stage(stage)) => write!(f, "{} (stage {stage})", self.name),
        }
    }
}
