//! [`MethodArn`]: the ARN of the method (or route) a request is for, and the wider ARNs a
//! cached policy needs.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An execute-api ARN: `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>`
/// for REST and HTTP APIs, `…:<api>/<stage>/<route>` for WebSocket APIs.
///
/// API Gateway caches an authorizer's policy by token (or identity sources) and reuses it for
/// every method of the API. A policy that allows only the method of the first request then
/// denies the next one; the wider forms fix that.
///
/// # Example
///
/// ```
/// use updraft_apigw_authorizer::MethodArn;
///
/// let arn: MethodArn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/GET/pets/7".parse()?;
/// assert_eq!(arn.method(), "GET");
/// assert_eq!(arn.path(), "pets/7");
/// assert_eq!(arn.any_path().to_string(), "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/GET/*");
/// assert_eq!(arn.whole_stage().to_string(), "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/*/*");
/// # Ok::<(), updraft_apigw_authorizer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodArn {
    partition: String,
    region: String,
    account: String,
    api_id: String,
    stage: String,
    method: String,
    /// The resource path without its leading `/`; `None` for a WebSocket route.
    path: Option<String>,
}

impl MethodArn {
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    #[must_use]
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account id.
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The API id.
    #[must_use]
    pub fn api_id(&self) -> &str {
        &self.api_id
    }

    /// The stage.
    #[must_use]
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// The HTTP method (`GET`, `*`), or the WebSocket route (`$connect`).
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The resource path without its leading slash (`pets/7`; empty for `/`, and for a
    /// WebSocket route).
    #[must_use]
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or_default()
    }

    /// Whether it is a WebSocket route ARN (no method and path).
    #[must_use]
    pub fn is_websocket(&self) -> bool {
        self.path.is_none()
    }

    /// Every method of this path: `…/<stage>/*/<path>`.
    #[must_use]
    pub fn any_method(&self) -> Self {
        Self {
            method: "*".into(),
            ..self.clone()
        }
    }

    /// Every path under this method: `…/<stage>/<method>/*`.
    #[must_use]
    pub fn any_path(&self) -> Self {
        Self {
            path: self.path.as_ref().map(|_| "*".into()),
            ..self.clone()
        }
    }

    /// Every method and path (every route) of this stage: `…/<stage>/*/*` (`…/<stage>/*`
    /// for WebSocket): the usual resource of a cached policy.
    #[must_use]
    pub fn whole_stage(&self) -> Self {
        self.any_method().any_path()
    }

    /// Every stage, method and path of this API: `…/*/*/*`.
    #[must_use]
    pub fn whole_api(&self) -> Self {
        Self {
            stage: "*".into(),
            ..self.whole_stage()
        }
    }
}

impl FromStr for MethodArn {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidArn {
            arn: text.to_owned(),
            reason,
        };
        let fields: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = fields[..] else {
            return Err(invalid("it has fewer than six `:`-separated parts"));
        };
        if arn != "arn" {
            return Err(invalid("it does not start with `arn:`"));
        }
        if service != "execute-api" {
            return Err(invalid("its service is not `execute-api`"));
        }
        if [partition, region, account].iter().any(|p| p.is_empty()) {
            return Err(invalid("its partition, region or account is empty"));
        }
        let mut segments = resource.splitn(4, '/');
        let api_id = segments.next().unwrap_or_default();
        let stage = segments.next().unwrap_or_default();
        let method = segments.next().unwrap_or_default();
        let path = segments.next().map(str::to_owned);
        if api_id.is_empty() || stage.is_empty() || method.is_empty() {
            return Err(invalid("it lacks the API id, the stage or the method"));
        }
        if text.chars().any(char::is_control) || text.contains(' ') {
            return Err(invalid("it holds spaces or control characters"));
        }
        Ok(Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            method: method.to_owned(),
            path,
        })
    }
}

impl fmt::Display for MethodArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:execute-api:{}:{}:{}/{}/{}",
            self.partition, self.region, self.account, self.api_id, self.stage, self.method
        )?;
        match &self.path {
            Some(path) => write!(f, "/{path}"),
            None => Ok(()),
        }
    }
}

impl serde::Serialize for MethodArn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_http_and_websocket_arns() {
        let rest: MethodArn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/"
            .parse()
            .unwrap();
        assert_eq!((rest.method(), rest.path()), ("GET", ""));
        assert_eq!(
            rest.to_string(),
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/"
        );
        assert_eq!(
            rest.whole_api().to_string(),
            "arn:aws:execute-api:us-east-1:123456789012:abc/*/*/*"
        );
        let ws: MethodArn = "arn:aws-cn:execute-api:cn-north-1:123456789012:ws1/dev/$connect"
            .parse()
            .unwrap();
        assert!(ws.is_websocket());
        assert_eq!(
            ws.whole_stage().to_string(),
            "arn:aws-cn:execute-api:cn-north-1:123456789012:ws1/dev/*"
        );
        let http: MethodArn =
            "arn:aws:execute-api:us-east-1:123456789012:h1/$default/POST/orders/{id}"
                .parse()
                .unwrap();
        assert_eq!(
            http.any_method().to_string(),
            "arn:aws:execute-api:us-east-1:123456789012:h1/$default/*/orders/{id}"
        );
    }

    #[test]
    fn malformed_arns_say_why() {
        for (text, reason) in [
            ("", "fewer than six"),
            ("arn:aws:s3:::bucket/key", "not `execute-api`"),
            ("nope:aws:execute-api:r:a:api/stage/GET/", "does not start"),
            ("arn:aws:execute-api:us-east-1:123:api", "lacks"),
            ("arn:aws:execute-api::123:api/prod/GET/", "empty"),
            ("arn:aws:execute-api:r:1:api/prod/GET/a b", "spaces"),
        ] {
            let error = text.parse::<MethodArn>().unwrap_err();
            assert!(error.to_string().contains(reason), "{text}: {error}");
        }
    }
}
