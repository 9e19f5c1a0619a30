//! Authorizer responses: the IAM policy of REST, WebSocket and HTTP (IAM format) authorizers,
//! the simple `{isAuthorized, context}` of HTTP APIs, and awstin's `invalid`.

use serde::Serialize;

use crate::{Context, Error};

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// One policy statement: `execute-api:Invoke` on some resources, allowed or denied.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    action: &'static str,
    effect: Effect,
    resource: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocument {
    version: &'static str,
    statement: Vec<Statement>,
}

/// An IAM policy response, for REST (TOKEN and REQUEST), WebSocket `$connect` and HTTP (IAM
/// format) authorizers. It is validated as it is built, so it always serialises to what API
/// Gateway accepts.
///
/// # Example
///
/// ```
/// use updraft_apigw_authorizer::{Context, Policy};
///
/// let arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets";
/// let policy = Policy::allow("user-7", arn)?.context(Context::new().string("user", "demo")?);
/// let json = serde_json::to_value(&policy).unwrap();
/// assert_eq!(json["policyDocument"]["Statement"][0]["Effect"], "Allow");
/// assert_eq!(json["context"]["user"], "demo");
/// # Ok::<(), updraft_apigw_authorizer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    principal_id: String,
    #[serde(rename = "policyDocument")]
    document: PolicyDocument,
    #[serde(skip_serializing_if = "Context::is_empty")]
    context: Context,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_identifier_key: Option<String>,
}

fn check_principal(principal: &str) -> Result<(), Error> {
    if principal.trim().is_empty() {
        return Err(Error::InvalidPrincipal("it is empty"));
    }
    if principal.chars().any(char::is_control) {
        return Err(Error::InvalidPrincipal("it holds control characters"));
    }
    Ok(())
}

fn check_resource(resource: &str) -> Result<(), Error> {
    if resource == "*" || resource.parse::<crate::MethodArn>().is_ok() {
        Ok(())
    } else {
        Err(Error::InvalidResource {
            resource: resource.to_owned(),
        })
    }
}

impl Policy {
    /// A policy for `principal` with no statement yet: add them with [`Policy::allowing`] and
    /// [`Policy::denying`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPrincipal`] for an empty principal or one with control characters.
    pub fn new(principal: impl Into<String>) -> Result<Self, Error> {
        let principal_id = principal.into();
        check_principal(&principal_id)?;
        Ok(Self {
            principal_id,
            document: PolicyDocument {
                version: "2012-10-17",
                statement: Vec::new(),
            },
            context: Context::new(),
            usage_identifier_key: None,
        })
    }

    /// Allows `principal` to invoke `resource` (a method ARN, a wider one, or `*`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPrincipal`], [`Error::InvalidResource`].
    pub fn allow(principal: impl Into<String>, resource: impl ToString) -> Result<Self, Error> {
        Self::new(principal)?.allowing([resource])
    }

    /// Denies `principal` the invocation of `resource`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPrincipal`], [`Error::InvalidResource`].
    pub fn deny(principal: impl Into<String>, resource: impl ToString) -> Result<Self, Error> {
        Self::new(principal)?.denying([resource])
    }

    fn statement<R: ToString>(
        mut self,
        effect: Effect,
        resources: impl IntoIterator<Item = R>,
    ) -> Result<Self, Error> {
        let resource: Vec<String> = resources.into_iter().map(|r| r.to_string()).collect();
        if resource.is_empty() {
            return Err(Error::EmptyPolicy);
        }
        for r in &resource {
            check_resource(r)?;
        }
        self.document.statement.push(Statement {
            action: "execute-api:Invoke",
            effect,
            resource,
        });
        Ok(self)
    }

    /// Adds a statement allowing `resources`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResource`], or [`Error::EmptyPolicy`] for no resource.
    pub fn allowing<R: ToString>(
        self,
        resources: impl IntoIterator<Item = R>,
    ) -> Result<Self, Error> {
        self.statement(Effect::Allow, resources)
    }

    /// Adds a statement denying `resources`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResource`], or [`Error::EmptyPolicy`] for no resource.
    pub fn denying<R: ToString>(
        self,
        resources: impl IntoIterator<Item = R>,
    ) -> Result<Self, Error> {
        self.statement(Effect::Deny, resources)
    }

    /// With this context, passed to the integration.
    #[must_use]
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// With the API key of a usage plan (REST APIs whose key source is `AUTHORIZER`).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyUsageKey`].
    pub fn usage_identifier_key(mut self, key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err(Error::EmptyUsageKey);
        }
        self.usage_identifier_key = Some(key);
        Ok(self)
    }

    /// The principal.
    #[must_use]
    pub fn principal(&self) -> &str {
        &self.principal_id
    }

    /// The statements.
    #[must_use]
    pub fn statements(&self) -> &[Statement] {
        &self.document.statement
    }
}

impl Statement {
    /// Allow or deny.
    #[must_use]
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The resources.
    #[must_use]
    pub fn resources(&self) -> &[String] {
        &self.resource
    }
}

/// An HTTP API's simple response (payload format 2.0 with simple responses enabled):
/// `{"isAuthorized": …, "context": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Simple {
    is_authorized: bool,
    #[serde(skip_serializing_if = "Context::is_empty")]
    context: Context,
}

impl Simple {
    /// Authorized.
    #[must_use]
    pub fn authorized() -> Self {
        Self {
            is_authorized: true,
            context: Context::new(),
        }
    }

    /// Not authorized (API Gateway answers 403).
    #[must_use]
    pub fn denied() -> Self {
        Self {
            is_authorized: false,
            context: Context::new(),
        }
    }

    /// With this context.
    #[must_use]
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Whether it authorizes.
    #[must_use]
    pub fn is_authorized(&self) -> bool {
        self.is_authorized
    }
}

/// awstin's `invalid`: `{"statusCode": 500, "body": "Invalid"}`. It is not an authorizer
/// response, so API Gateway answers `500` (an authorizer configuration error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invalid {
    status_code: u16,
    body: String,
}

/// awstin's `invalid()`, with its default body `Invalid`.
#[must_use]
pub fn invalid() -> Invalid {
    invalid_with("Invalid")
}

/// awstin's `invalid(body)`.
#[must_use]
pub fn invalid_with(body: impl Into<String>) -> Invalid {
    Invalid {
        status_code: 500,
        body: body.into(),
    }
}

/// Any authorizer answer, for handlers that give more than one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// An IAM policy.
    Policy(Policy),
    /// An HTTP API simple response.
    Simple(Simple),
    /// awstin's `invalid`.
    Invalid(Invalid),
}

impl From<Policy> for Response {
    fn from(policy: Policy) -> Self {
        Response::Policy(policy)
    }
}

impl From<Simple> for Response {
    fn from(simple: Simple) -> Self {
        Response::Simple(simple)
    }
}

impl From<Invalid> for Response {
    fn from(invalid: Invalid) -> Self {
        Response::Invalid(invalid)
    }
}
