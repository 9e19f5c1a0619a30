//! From a Lambda HTTP event to the `http::Request` the router sees, without panicking.
//!
//! `lambda_http`'s own conversion `expect`s on invalid base64 bodies and on `Host` headers that
//! make no URL, and puts the API stage back into the path. This one answers 400 for the first
//! two and gives the router the path without the stage, by the rule on [`EventSource`].

// Over 400 lines with its tests; the code is about 380 lines.

use aws_lambda_events::encodings::Body as EventBody;
use aws_lambda_events::query_map::QueryMap;
use axum::body::Body;
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, Method, Request, header};
use lambda_http::request::{LambdaRequest, RequestContext};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::lattice::{HttpEvent, v1_parts};
use super::problem::ApiError;

/// The largest total size of the request headers: the limit of an ALB, which is above API
/// Gateway's.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Where an HTTP request came from.
///
/// # The path the router sees
///
/// | source | path the router sees |
/// |---|---|
/// | REST API (v1) | `path`, which API Gateway gives without the stage |
/// | HTTP API (v2) on its `execute-api` domain | `rawPath` without the named stage API Gateway puts first |
/// | HTTP API (v2) on a custom domain | `rawPath` as the client sent it |
/// | Function URL | `rawPath` |
/// | ALB, VPC Lattice | `path` (`raw_path` in Lattice's version 1) |
///
/// # The stage rule
///
/// A leading `/<stage>` is removed only where API Gateway itself put it there: an HTTP API
/// request that came through the API's own `*.execute-api.<region>.amazonaws.com` domain (or
/// its VPC endpoint form) with a named stage. Behind a custom domain the first segment is the
/// client's to choose: there `/prod/admin` stays `/prod/admin` (a 404), and never reaches the
/// `/admin` route past a route authorizer that guarded `/prod/admin`. Nothing else is ever
/// guessed: a custom domain's base path or API mapping key is removed only by the prefixes the
/// service configures ([`super::App::strip_prefixes`], `UPDRAFT_STRIP_PREFIXES`).
///
/// `lambda_http` does the opposite by default: it adds `/<stage>` in front of every path of a
/// named stage (REST and HTTP APIs alike, on any domain), unless
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set, in which case it keeps `path` / `rawPath` as
/// they come. Updraft's router sees the same path in every case above, whether or not that
/// variable is set; on custom domains it matches `lambda_http` with the variable set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventSource {
    /// An Application Load Balancer.
    Alb,
    /// An API Gateway REST API (payload format 1.0).
    RestApi,
    /// An API Gateway HTTP API (payload format 2.0).
    HttpApi,
    /// A Lambda function URL (payload format 2.0).
    FunctionUrl,
    /// A VPC Lattice service (version 2).
    VpcLattice,
    /// A VPC Lattice service whose target group sends version 1 events.
    VpcLatticeV1,
    /// The local HTTP server, outside Lambda.
    Local,
}

impl EventSource {
    /// A short name for logs: `alb`, `rest-api`, `http-api`, `function-url`, `vpc-lattice`,
    /// `vpc-lattice-v1`, `local`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Alb => "alb",
            EventSource::RestApi => "rest-api",
            EventSource::HttpApi => "http-api",
            EventSource::FunctionUrl => "function-url",
            EventSource::VpcLattice => "vpc-lattice",
            EventSource::VpcLatticeV1 => "vpc-lattice-v1",
            EventSource::Local => "local",
        }
    }
}

/// Characters to escape in a path API Gateway already decoded (REST `path`), or in a file
/// path made a `file:` URI.
pub(crate) const DECODED_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Characters to escape in a raw path, where `%` already starts an escape.
const RAW_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

pub(super) struct Parts {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: String,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<String>,
    pub(super) base64: bool,
    pub(super) context: Option<RequestContext>,
}

/// Converts an event; on failure returns the source anyway, so the error can be answered in
/// the source's response format.
pub(crate) fn to_request(event: HttpEvent) -> (EventSource, Result<Request<Body>, ApiError>) {
    let event = match event {
        HttpEvent::Lambda(event) => event,
        HttpEvent::VpcLatticeV1(event) => {
            let source = EventSource::VpcLatticeV1;
            return (
                source,
                v1_parts(event).and_then(|parts| build(source, parts)),
            );
        }
    };
    let (source, parts) = match event {
        LambdaRequest::ApiGatewayV1(ag) => {
            let mut headers = ag.multi_value_headers;
            headers.extend(ag.headers);
            let query = if ag.multi_value_query_string_parameters.is_empty() {
                ag.query_string_parameters
            } else {
                ag.multi_value_query_string_parameters
            };
            let Some(query) = query_pairs(&query) else {
                return (EventSource::RestApi, Err(malformed_query()));
            };
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish();
            let path = ag.path.unwrap_or_default();
            (
                EventSource::RestApi,
                Parts {
                    method: ag.http_method,
                    path: utf8_percent_encode(&path, DECODED_PATH).to_string(),
                    query,
                    headers,
                    body: ag.body,
                    base64: ag.is_base64_encoded,
                    context: Some(RequestContext::ApiGatewayV1(ag.request_context)),
                },
            )
        }
        LambdaRequest::ApiGatewayV2(ag) => http_api_parts(ag),
        LambdaRequest::Alb(alb) => {
            let mut headers = alb.multi_value_headers;
            headers.extend(alb.headers);
            let query = if alb.multi_value_query_string_parameters.is_empty() {
                alb.query_string_parameters
            } else {
                alb.multi_value_query_string_parameters
            };
            let Some(query) = reencode(&query) else {
                return (EventSource::Alb, Err(malformed_query()));
            };
            (
                EventSource::Alb,
                Parts {
                    method: alb.http_method,
                    path: encode_raw_path(&alb.path.unwrap_or_default()),
                    query,
                    headers,
                    body: alb.body,
                    base64: alb.is_base64_encoded,
                    context: Some(RequestContext::Alb(alb.request_context)),
                },
            )
        }
        LambdaRequest::VpcLatticeV2(lattice) => {
            let Some(query) = reencode(&lattice.query_string_parameters) else {
                return (EventSource::VpcLattice, Err(malformed_query()));
            };
            (
                EventSource::VpcLattice,
                Parts {
                    method: lattice.method.unwrap_or(Method::GET),
                    path: encode_raw_path(&lattice.path.unwrap_or_default()),
                    query,
                    headers: lattice.headers,
                    body: lattice.body,
                    base64: lattice.is_base64_encoded,
                    context: Some(RequestContext::VpcLattice(lattice.request_context)),
                },
            )
        }
        _ => {
            return (
                EventSource::HttpApi,
                Err(ApiError::bad_request(
                    "this function serves HTTP events only",
                )),
            );
        }
    };
    (source, build(source, parts))
}

/// The parts of an HTTP API (v2) or function URL event; see the module docs for the path.
fn http_api_parts(ag: aws_lambda_events::apigw::ApiGatewayV2httpRequest) -> (EventSource, Parts) {
    let source = if ag
        .request_context
        .domain_name
        .as_deref()
        .is_some_and(|d| d.contains(".lambda-url."))
    {
        EventSource::FunctionUrl
    } else {
        EventSource::HttpApi
    };
    let raw = ag.raw_path.unwrap_or_default();
    let path = if on_execute_api_domain(ag.request_context.domain_name.as_deref()) {
        without_stage(&raw, ag.request_context.stage.as_deref())
    } else {
        &raw
    };
    let mut headers = ag.headers;
    if let Some(cookies) = ag.cookies.filter(|c| !c.is_empty())
        && let Ok(value) = HeaderValue::from_str(&cookies.join("; "))
    {
        headers.insert(header::COOKIE, value);
    }
    (
        source,
        Parts {
            method: ag.request_context.http.method.clone(),
            path: encode_raw_path(path),
            query: ag.raw_query_string.unwrap_or_default(),
            headers,
            body: ag.body,
            base64: ag.is_base64_encoded,
            context: Some(RequestContext::ApiGatewayV2(ag.request_context)),
        },
    )
}

fn build(source: EventSource, parts: Parts) -> Result<Request<Body>, ApiError> {
    let header_bytes: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request headers are over {MAX_HEADER_BYTES} bytes"),
        ));
    }
    let body = match (parts.body, parts.base64) {
        (None, _) => Body::empty(),
        (Some(text), false) => Body::from(text),
        (Some(text), true) => Body::from(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| ApiError::bad_request("the request body is not valid base64"))?,
        ),
    };
    let path = if parts.path.starts_with('/') {
        parts.path
    } else {
        format!("/{}", parts.path)
    };
    let uri = if parts.query.is_empty() {
        path
    } else {
        format!("{path}?{}", parts.query)
    };
    let mut request = Request::builder()
        .method(parts.method)
        .uri(&uri)
        .body(body)
        .map_err(|_| ApiError::bad_request("the request path or query is not a valid URI"))?;
    *request.headers_mut() = parts.headers;
    if let Some(context) = parts.context {
        request.extensions_mut().insert(context);
    }
    request.extensions_mut().insert(source);
    Ok(request)
}

/// Whether the request came through the API's own `execute-api` domain (or its VPC endpoint
/// form), where API Gateway puts a named stage in front of the path. A custom domain cannot be
/// in `amazonaws.com`, so the client cannot fake this.
fn on_execute_api_domain(domain: Option<&str>) -> bool {
    domain.is_some_and(|domain| {
        let domain = domain.to_ascii_lowercase();
        domain.contains(".execute-api.")
            && (domain.ends_with(".amazonaws.com") || domain.ends_with(".amazonaws.com.cn"))
    })
}

/// `raw` without a leading `/<stage>` segment, for a named (not `$default`) stage.
fn without_stage<'a>(raw: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|s| !s.is_empty() && *s != "$default") else {
        return raw;
    };
    match raw.strip_prefix('/').and_then(|r| r.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => raw,
    }
}

/// The pairs of a query map. `query_map` 0.7 panics iterating a key whose list of values is
/// empty (`"multiValueQueryStringParameters": {"a": []}`): that is a malformed event, `None`.
fn query_pairs(query: &QueryMap) -> Option<Vec<(String, String)>> {
    crate::logging::catch_quietly(|| {
        query
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

fn malformed_query() -> ApiError {
    ApiError::bad_request("the event's query string parameters are malformed")
}

/// A raw path (where `%` already starts an escape) with what a URI cannot hold escaped.
pub(super) fn encode_raw_path(path: &str) -> String {
    utf8_percent_encode(path, RAW_PATH).to_string()
}

/// Decodes a map of still-encoded values (ALB, Lattice) and encodes it again, canonically.
pub(super) fn reencode(query: &QueryMap) -> Option<String> {
    let pairs = query_pairs(query)?;
    Some(encode_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// Still-encoded query pairs (`+` for a space, `%XX` escapes), decoded and encoded again,
/// canonically, in the order given.
pub(super) fn encode_query<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let decode = |s: &str| {
        let plus_as_space = s.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space)
            .decode_utf8_lossy()
            .into_owned()
    };
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.map(|(k, v)| (decode(k), decode(v))))
        .finish()
}

/// Turns a response body into the event encoding: text when the content type is textual,
/// base64 otherwise (as `lambda_http` decides).
pub(crate) fn response_body(headers: &HeaderMap, bytes: Vec<u8>) -> Option<EventBody> {
    if bytes.is_empty() {
        return None;
    }
    if headers.contains_key(header::CONTENT_ENCODING) || !is_text(headers) {
        return Some(EventBody::Binary(bytes));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(EventBody::Text(text)),
        Err(e) => Some(EventBody::Binary(e.into_bytes())),
    }
}

fn is_text(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
        )
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
        || mime.ends_with("+yaml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_stages_are_stripped_from_raw_paths() {
        assert_eq!(without_stage("/prod/hello", Some("prod")), "/hello");
        assert_eq!(without_stage("/prod", Some("prod")), "/");
        assert_eq!(
            without_stage("/production/x", Some("prod")),
            "/production/x"
        );
        assert_eq!(without_stage("/hello", Some("$default")), "/hello");
        assert_eq!(without_stage("/hello", None), "/hello");
    }

    #[test]
    fn only_the_execute_api_domain_proves_the_stage_is_api_gateways() {
        for default in [
            "a1b2c3.execute-api.eu-west-1.amazonaws.com",
            "A1B2C3.EXECUTE-API.eu-west-1.amazonaws.com",
            "a1b2c3-vpce-0123.execute-api.eu-west-1.vpce.amazonaws.com",
            "a1b2c3.execute-api.cn-north-1.amazonaws.com.cn",
        ] {
            assert!(on_execute_api_domain(Some(default)), "{default}");
        }
        for custom in [
            "api.example.com",
            "execute-api.example.com",
            "x.execute-api.eu-west-1.amazonaws.com.evil.example",
            "abc.lambda-url.eu-west-1.on.aws",
            "",
        ] {
            assert!(!on_execute_api_domain(Some(custom)), "{custom}");
        }
        assert!(!on_execute_api_domain(None));
    }

    #[test]
    fn response_bodies_are_text_or_binary_by_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(matches!(
            response_body(&headers, b"{}".to_vec()),
            Some(EventBody::Text(_))
        ));
        headers.insert(header::CONTENT_TYPE, "image/png".parse().unwrap());
        assert!(matches!(
            response_body(&headers, vec![0x89, 0x50]),
            Some(EventBody::Binary(_))
        ));
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(
            matches!(
                response_body(&headers, vec![0xff, 0xfe]),
                Some(EventBody::Binary(_))
            ),
            "text that is not UTF-8 is not lost"
        );
        assert!(response_body(&headers, Vec::new()).is_none());
    }
}
