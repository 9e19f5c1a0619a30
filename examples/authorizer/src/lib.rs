//! A REST API TOKEN authorizer, by token:
//!
//! | token | answer |
//! |---|---|
//! | `allow` | an Allow policy for the method ARN, with context `{"user": "demo"}` |
//! | `deny` | a Deny policy for the method ARN |
//! | `unauthorized` | the `Unauthorized` failure: API Gateway answers 401 |
//! | anything else | awstin's `invalid`: API Gateway answers 500 |
//!
//! `Bearer <token>` works too.

use updraft::apigw_authorizer::{
    Context, Denial, Policy, Response, TokenEvent, Unauthorized, invalid,
};

/// The principal of the demo's policies.
pub const PRINCIPAL: &str = "demo";

/// Answers one TOKEN event.
///
/// # Errors
///
/// [`Denial::Unauthorized`] for the token `unauthorized`.
#[allow(
    clippy::unused_async,
    reason = "the Lambda runtime calls an async handler"
)]
pub async fn authorize(event: TokenEvent) -> Result<Response, Denial> {
    let response = match event.bearer() {
        "allow" => Policy::allow(PRINCIPAL, &event.method_arn)?
            .context(Context::new().string("user", "demo")?)
            .into(),
        "deny" => Policy::deny(PRINCIPAL, &event.method_arn)?.into(),
        "unauthorized" => return Err(Unauthorized.into()),
        _ => invalid().into(),
    };
    Ok(response)
}
