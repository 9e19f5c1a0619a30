//! From the router's response to the response event each source expects.

use aws_lambda_events::alb::AlbTargetGroupResponse;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use aws_lambda_events::vpc_lattice::VpcLatticeResponse;
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use http_body_util::BodyExt;
use serde::Serialize;

use super::event::{EventSource, response_body};
use super::problem::json_response;

/// The response event returned to Lambda, in the format of the request's source.
#[derive(Debug, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum EventResponse {
    /// For a REST API: `multiValueHeaders`, base64 for binary bodies.
    RestApi(ApiGatewayProxyResponse),
    /// For an HTTP API or a function URL: `Set-Cookie` moves to `cookies`.
    HttpApi(ApiGatewayV2httpResponse),
    /// For an ALB: both header forms, and a `statusDescription`.
    Alb(AlbTargetGroupResponse),
    /// For VPC Lattice.
    VpcLattice(VpcLatticeResponse),
    /// For VPC Lattice's version 1 events: one string per header, and a `statusDescription`.
    VpcLatticeV1(super::lattice::VpcLatticeV1Response),
}

impl EventResponse {
    /// The response as the JSON Lambda returns.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Buffers the body (Lambda responses are not streamed) and builds the event.
pub(crate) async fn to_event(source: EventSource, response: Response) -> EventResponse {
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => build(
            source,
            parts.status,
            parts.headers,
            collected.to_bytes().to_vec(),
        ),
        Err(error) => {
            tracing::error!(%error, "the response body failed while it was read");
            let (parts, body) = json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
                &[],
                None,
            )
            .into_parts();
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes().to_vec())
                .unwrap_or_default();
            build(source, parts.status, parts.headers, bytes)
        }
    }
}

/// Builds the event for a complete response.
pub(crate) fn build(
    source: EventSource,
    status: StatusCode,
    mut headers: HeaderMap,
    bytes: Vec<u8>,
) -> EventResponse {
    let body = response_body(&headers, bytes);
    let base64 = matches!(body, Some(aws_lambda_events::encodings::Body::Binary(_)));
    let code = i64::from(status.as_u16());
    match source {
        EventSource::RestApi => {
            let mut response = ApiGatewayProxyResponse::default();
            response.status_code = code;
            response.multi_value_headers = headers;
            response.body = body;
            response.is_base64_encoded = base64;
            EventResponse::RestApi(response)
        }
        EventSource::Alb => {
            let mut response = AlbTargetGroupResponse::default();
            response.status_code = code;
            response.status_description = Some(format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Unknown")
            ));
            response.headers = headers.clone();
            response.multi_value_headers = headers;
            response.body = body;
            response.is_base64_encoded = base64;
            EventResponse::Alb(response)
        }
        EventSource::VpcLattice => {
            let mut response = VpcLatticeResponse::default();
            response.status_code = status.as_u16();
            response.headers = headers;
            response.body = body;
            response.is_base64_encoded = base64;
            EventResponse::VpcLattice(response)
        }
        EventSource::VpcLatticeV1 => {
            EventResponse::VpcLatticeV1(super::lattice::v1_response(status, &headers, body))
        }
        EventSource::HttpApi | EventSource::FunctionUrl | EventSource::Local => {
            let cookies = headers
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            headers.remove(header::SET_COOKIE);
            let mut response = ApiGatewayV2httpResponse::default();
            response.status_code = code;
            response.headers = headers;
            response.cookies = cookies;
            response.body = body;
            response.is_base64_encoded = base64;
            EventResponse::HttpApi(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_responses_carry_a_status_description_and_both_header_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let json = build(
            EventSource::Alb,
            StatusCode::CREATED,
            headers,
            b"{}".to_vec(),
        )
        .to_json();
        assert_eq!(json["statusCode"], 201);
        assert_eq!(json["statusDescription"], "201 Created");
        assert_eq!(json["headers"]["content-type"], "application/json");
        assert_eq!(
            json["multiValueHeaders"]["content-type"][0],
            "application/json"
        );
        assert_eq!(json["body"], "{}");
        assert_eq!(json["isBase64Encoded"], false);
    }

    #[test]
    fn binary_bodies_are_base64_and_cookies_move_for_http_apis() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "image/png".parse().unwrap());
        headers.append(header::SET_COOKIE, "a=1".parse().unwrap());
        headers.append(header::SET_COOKIE, "b=2".parse().unwrap());
        let json = build(
            EventSource::HttpApi,
            StatusCode::OK,
            headers,
            vec![0x89, b'P', b'N', b'G'],
        )
        .to_json();
        assert_eq!(json["isBase64Encoded"], true);
        assert_eq!(json["body"], "iVBORw==");
        assert_eq!(json["cookies"], serde_json::json!(["a=1", "b=2"]));
        assert!(json["headers"].get("set-cookie").is_none());
    }

    #[test]
    fn rest_responses_use_multi_value_headers_only() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", "1".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        let json = build(EventSource::RestApi, StatusCode::OK, headers, Vec::new()).to_json();
        assert_eq!(
            json["multiValueHeaders"]["x-a"],
            serde_json::json!(["1", "2"])
        );
        assert!(json["body"].is_null());
    }
}
