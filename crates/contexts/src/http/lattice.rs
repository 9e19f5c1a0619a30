//! VPC Lattice's version 1 events (a target group with `LambdaEventStructureVersion` V1), which
//! `lambda_http` does not decode, and [`HttpEvent`], every HTTP event the context accepts.
//!
//! Version 1 names its fields in `snake_case`, gives each header as one string (several values
//! joined with `, `, kept as sent: a `Date` or `User-Agent` holds commas of its own), keeps the
//! last value of a repeated query parameter, and is answered with `statusCode`,
//! `statusDescription`, one string per header, and the body.

use std::collections::BTreeMap;

use aws_lambda_events::encodings::Body as EventBody;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use lambda_http::request::LambdaRequest;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::event::Parts;
use super::problem::ApiError;

/// Every HTTP event the HTTP context serves.
#[derive(Debug)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every event is the large variant: boxing it would allocate once per request"
)]
pub enum HttpEvent {
    /// What `lambda_http` decodes: REST and HTTP APIs, function URLs, ALB, VPC Lattice version
    /// 2 (and WebSocket events, which the HTTP context refuses).
    Lambda(LambdaRequest),
    /// A VPC Lattice request in the version 1 format.
    VpcLatticeV1(VpcLatticeV1Request),
}

impl From<LambdaRequest> for HttpEvent {
    fn from(event: LambdaRequest) -> Self {
        HttpEvent::Lambda(event)
    }
}

/// Decodes `lambda_http`'s events first, and VPC Lattice version 1 when those do not match. The
/// event's JSON is kept as text between the two tries (no intermediate tree), and a version 1
/// event must name its `raw_path` and `method`, so no other event is taken for one.
impl<'de> Deserialize<'de> for HttpEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        match serde_json::from_str::<LambdaRequest>(raw.get()) {
            Ok(event) => Ok(HttpEvent::Lambda(event)),
            Err(not_lambda_http) => serde_json::from_str::<VpcLatticeV1Request>(raw.get())
                .map(HttpEvent::VpcLatticeV1)
                .map_err(|_| D::Error::custom(not_lambda_http)),
        }
    }
}

/// A VPC Lattice request in the version 1 format.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VpcLatticeV1Request {
    /// The path, as the client sent it.
    pub raw_path: String,
    /// The method.
    pub method: String,
    /// The headers, one string each.
    #[serde(default, deserialize_with = "nullish")]
    pub headers: BTreeMap<String, String>,
    /// The query parameters, still encoded; the last value of a repeated one. The router sees
    /// them sorted by name (a JSON object keeps no order).
    #[serde(default, deserialize_with = "nullish")]
    pub query_string_parameters: BTreeMap<String, String>,
    /// The body, base64 when `is_base64_encoded`.
    #[serde(default)]
    pub body: Option<String>,
    /// Whether the body is base64.
    #[serde(default, deserialize_with = "nullish")]
    pub is_base64_encoded: bool,
}

fn nullish<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The parts of a version 1 request.
pub(super) fn v1_parts(event: VpcLatticeV1Request) -> Result<Parts, ApiError> {
    let method = Method::from_bytes(event.method.as_bytes())
        .map_err(|_| ApiError::bad_request("the event's method is not an HTTP method"))?;
    let mut headers = HeaderMap::new();
    for (name, value) in event.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            return Err(ApiError::bad_request("the event has a malformed header"));
        };
        headers.append(name, value);
    }
    let query = super::event::encode_query(
        event
            .query_string_parameters
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    Ok(Parts {
        method,
        path: super::event::encode_raw_path(&event.raw_path),
        query,
        headers,
        body: event.body,
        base64: event.is_base64_encoded,
        context: None,
    })
}

/// The answer to a version 1 request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VpcLatticeV1Response {
    /// Whether the body is base64.
    pub is_base64_encoded: bool,
    /// The status code.
    pub status_code: u16,
    /// The status line's text, such as `200 OK`.
    pub status_description: String,
    /// The headers, several values of one joined with `, ` (`Set-Cookie` values too, which
    /// version 1 cannot carry apart).
    pub headers: BTreeMap<String, String>,
    /// The body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<EventBody>,
}

pub(super) fn v1_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: Option<EventBody>,
) -> VpcLatticeV1Response {
    let mut joined: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        joined
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    VpcLatticeV1Response {
        is_base64_encoded: matches!(body, Some(EventBody::Binary(_))),
        status_code: status.as_u16(),
        status_description: format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Unknown")
        ),
        headers: joined,
        body,
    }
}
