//! Base URLs and the paths joined to them: a call's path can add to the base path, never climb
//! out of it or smuggle a fragment.

use std::fmt;
use std::net::IpAddr;

use http::Uri;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// A service's base URL: scheme, authority and a path prefix without the trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Base {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    prefix: String,
}

impl Base {
    /// Parses `url`: `https://`, or `http://` to a loopback host (or anywhere with
    /// `plain_http`), with no query or fragment.
    pub(crate) fn parse(url: &str, plain_http: bool) -> Result<Self, String> {
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|_| format!("`{url}` is not a URL"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(format!("`{url}` is not an absolute http(s) URL"));
        };
        if uri.query().is_some() || url.contains('#') {
            return Err(format!("`{url}` has a query or fragment"));
        }
        if authority.as_str().contains('@') {
            return Err(format!(
                "`{}` carries credentials in the URL; use the token",
                authority.host()
            ));
        }
        match scheme.as_str() {
            "https" => {}
            "http" if plain_http || is_loopback(authority.host()) => {}
            "http" => {
                return Err(format!(
                    "`{url}` is plain http to a host that is not loopback; use https, or allow plain http in the builder"
                ));
            }
            other => return Err(format!("`{url}`: the scheme `{other}` is not http(s)")),
        }
        Ok(Self {
            scheme: scheme.clone(),
            authority: authority.clone(),
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The URL of `path` (which starts with `/` and may hold a query) plus `query`.
    pub(crate) fn join(&self, path: &str, query: &str) -> Result<Uri, String> {
        let (path, inline_query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        check_path(path)?;
        let mut target = format!("{}{path}", self.prefix);
        let queries: Vec<&str> = inline_query
            .into_iter()
            .chain(Some(query))
            .filter(|q| !q.is_empty())
            .collect();
        if !queries.is_empty() {
            target.push('?');
            target.push_str(&queries.join("&"));
        }
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(target)
            .build()
            .map_err(|_| format!("`{path}` is not a valid path"))
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A path must start with `/`, and have no `.` or `..` segment (even percent-encoded), no
/// fragment, no backslash and nothing a URI path cannot hold.
fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("the path `{path}` does not start with `/`"));
    }
    if path.contains(['#', '\\']) || path.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(format!(
            "the path `{}` has a fragment, a backslash, a space or a control or non-ASCII character; encode parts with `encode_segment`",
            path.escape_debug()
        ));
    }
    let dotted = path.split('/').any(|segment| {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        decoded == "." || decoded == ".."
    });
    if dotted {
        return Err(format!("the path `{path}` has a `.` or `..` segment"));
    }
    Ok(())
}

/// Everything but RFC 3986's unreserved characters is encoded in a segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `value` as one path segment, for ids that come from outside:
/// `format!("/orders/{}", encode_segment(id))` stays under `/orders/` whatever `id` holds
/// (`.` and `..` themselves are encoded).
///
/// ```
/// use updraft_invoke::api::encode_segment;
///
/// assert_eq!(encode_segment("a b/c?d"), "a%20b%2Fc%3Fd");
/// assert_eq!(encode_segment(".."), "%2E%2E");
/// ```
#[must_use]
pub fn encode_segment(value: &str) -> String {
    match value {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => utf8_percent_encode(value, SEGMENT).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_https_or_loopback_http_without_query() {
        for ok in [
            "https://api.example.com",
            "https://api.example.com/prod/",
            "http://127.0.0.1:8080",
            "http://localhost:3000/v1",
            "http://[::1]:9000",
        ] {
            assert!(Base::parse(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "api.example.com",
            "/relative",
            "ftp://example.com",
            "http://orders.internal",
            "https://example.com/?a=1",
            "https://example.com/#x",
            "https://user:pw@example.com",
            "",
        ] {
            assert!(Base::parse(bad, false).is_err(), "{bad}");
        }
        assert!(Base::parse("http://orders.internal", true).is_ok());
        assert_eq!(
            Base::parse("https://api.example.com/prod/", false)
                .unwrap()
                .to_string(),
            "https://api.example.com/prod"
        );
    }

    #[test]
    fn paths_join_under_the_prefix_and_never_climb_out() {
        let base = Base::parse("https://api.example.com/prod/", false).unwrap();
        assert_eq!(
            base.join("/orders/1", "").unwrap().to_string(),
            "https://api.example.com/prod/orders/1"
        );
        assert_eq!(
            base.join("/orders?state=CT", "limit=5")
                .unwrap()
                .to_string(),
            "https://api.example.com/prod/orders?state=CT&limit=5"
        );
        assert_eq!(
            base.join("/", "a=1").unwrap().to_string(),
            "https://api.example.com/prod/?a=1"
        );
        for bad in [
            "orders",
            "/orders/../admin",
            "/orders/%2e%2E/admin",
            "/./x",
            "/orders#frag",
            "/a b",
            "/a\\b",
            "/naïve",
            "/a\nb",
        ] {
            assert!(base.join(bad, "").is_err(), "{bad:?}");
        }
        let id = encode_segment("../admin");
        assert_eq!(
            base.join(&format!("/orders/{id}"), "").unwrap().path(),
            "/prod/orders/..%2Fadmin"
        );
    }
}
