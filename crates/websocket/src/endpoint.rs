//! [`Endpoint`]: where the Management API of one WebSocket API stage is. Leaving out the stage
//! gives 403, and the `$default` stage and custom domains each have their own form, so the
//! endpoint is worked out here once.

use std::fmt;

use crate::Error;

/// The Management API endpoint of a WebSocket API stage.
///
/// | form | URL |
/// |---|---|
/// | [`Endpoint::stage`] | `https://{domain}/{stage}`, or `https://{domain}` for `$default` |
/// | [`Endpoint::api`] | `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` |
/// | [`Endpoint::custom_domain`] | `https://{domain}/{base-path}`, or `https://{domain}` without one |
///
/// # Example
///
/// ```
/// use updraft_websocket::Endpoint;
///
/// let named = Endpoint::stage("abc123.execute-api.eu-west-1.amazonaws.com", "prod")?;
/// assert_eq!(named.url(), "https://abc123.execute-api.eu-west-1.amazonaws.com/prod");
/// let default = Endpoint::stage("abc123.execute-api.eu-west-1.amazonaws.com", "$default")?;
/// assert_eq!(default.url(), "https://abc123.execute-api.eu-west-1.amazonaws.com");
/// let custom = Endpoint::custom_domain("chat.example.com", Some("v1"))?;
/// assert_eq!(custom.url(), "https://chat.example.com/v1");
/// # Ok::<(), updraft_websocket::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    host: String,
    /// The path prefix, without slashes at either end; empty for none.
    path: String,
}

fn check_host(host: &str) -> Result<String, Error> {
    let host = host.trim().trim_end_matches('.');
    let host = host
        .strip_prefix("https://")
        .or_else(|| host.strip_prefix("wss://"))
        .unwrap_or(host)
        .trim_end_matches('/');
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if valid {
        Ok(host.to_ascii_lowercase())
    } else {
        Err(Error::InvalidEndpoint(format!(
            "`{host}` is not a domain name"
        )))
    }
}

fn check_segment(what: &str, segment: &str) -> Result<String, Error> {
    let segment = segment.trim().trim_matches('/');
    let valid = !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~$".contains(c));
    if valid {
        Ok(segment.to_owned())
    } else {
        Err(Error::InvalidEndpoint(format!(
            "`{segment}` is not a valid {what}"
        )))
    }
}

impl Endpoint {
    /// The stage `stage` of the API at `domain` (its execute-api host, as a websocket event's
    /// `requestContext.domainName` gives it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for an empty or malformed domain or stage.
    pub fn stage(domain: &str, stage: &str) -> Result<Self, Error> {
        let host = check_host(domain)?;
        let stage = check_segment("stage", stage)?;
        Ok(Self {
            host,
            path: if stage == "$default" {
                String::new()
            } else {
                stage
            },
        })
    }

    /// The stage `stage` of API `api_id` in `region`.
    ///
    /// # Errors
    ///
    /// As [`Endpoint::stage`].
    pub fn api(api_id: &str, region: &str, stage: &str) -> Result<Self, Error> {
        let api_id = check_segment("API id", api_id)?;
        let region = check_segment("region", region)?;
        Self::stage(
            &format!("{api_id}.execute-api.{region}.amazonaws.com"),
            stage,
        )
    }

    /// A custom domain, through its API mapping's base path (`None` for a mapping without one).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for a malformed domain or base path.
    pub fn custom_domain(domain: &str, base_path: Option<&str>) -> Result<Self, Error> {
        let host = check_host(domain)?;
        let path = match base_path.map(|p| p.trim().trim_matches('/')) {
            None | Some("") => String::new(),
            Some(path) => path
                .split('/')
                .map(|segment| check_segment("base path", segment))
                .collect::<Result<Vec<_>, _>>()?
                .join("/"),
        };
        Ok(Self { host, path })
    }

    /// The endpoint of the connection a websocket event came from: its domain and stage. An
    /// execute-api domain gets the stage form; any other domain is taken as a custom domain
    /// whose API mapping has no base path (use [`Endpoint::custom_domain`] when it has one).
    ///
    /// # Errors
    ///
    /// As [`Endpoint::stage`].
    pub fn for_connection(domain: &str, stage: &str) -> Result<Self, Error> {
        let host = check_host(domain)?;
        if host.contains(".execute-api.") {
            Self::stage(&host, stage)
        } else {
            Self::custom_domain(&host, None)
        }
    }

    /// The host.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path prefix (`prod`, `v1/chat`; empty for `$default` or a root mapping).
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The endpoint URL.
    #[must_use]
    pub fn url(&self) -> String {
        self.url_at(&format!("https://{}", self.host))
    }

    /// The endpoint at another origin (`http://127.0.0.1:4566`), keeping the path: how a local
    /// server stands in for API Gateway.
    #[must_use]
    pub fn url_at(&self, origin: &str) -> String {
        let origin = origin.trim_end_matches('/');
        if self.path.is_empty() {
            origin.to_owned()
        } else {
            format!("{origin}/{}", self.path)
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_form() {
        let api = Endpoint::api("abc123", "us-east-1", "dev").unwrap();
        assert_eq!(
            api.url(),
            "https://abc123.execute-api.us-east-1.amazonaws.com/dev"
        );
        let event =
            Endpoint::for_connection("abc123.execute-api.us-east-1.amazonaws.com", "$default")
                .unwrap();
        assert_eq!(
            event.url(),
            "https://abc123.execute-api.us-east-1.amazonaws.com"
        );
        let custom = Endpoint::for_connection("Chat.Example.com", "prod").unwrap();
        assert_eq!(custom.url(), "https://chat.example.com");
        let nested =
            Endpoint::custom_domain("https://chat.example.com/", Some("/v1/chat/")).unwrap();
        assert_eq!(nested.url(), "https://chat.example.com/v1/chat");
        assert_eq!(
            nested.url_at("http://127.0.0.1:5000/"),
            "http://127.0.0.1:5000/v1/chat"
        );
    }

    #[test]
    fn malformed_parts_are_refused() {
        for (domain, stage) in [
            ("", "prod"),
            ("a b.com", "prod"),
            ("x.com", ""),
            ("x.com", "a/b"),
            ("x.com", "st age"),
        ] {
            assert!(
                Endpoint::stage(domain, stage).is_err(),
                "{domain:?} {stage:?}"
            );
        }
        assert!(Endpoint::custom_domain("x.com", Some("a/../b c")).is_err());
        assert!(Endpoint::api("abc", "us east", "prod").is_err());
    }
}
