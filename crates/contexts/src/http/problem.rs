//! [`ApiError`]: every error leaves as JSON with a `message`, the right status, the request id
//! and, for bad input, the `fields` at fault.
//!
//! ```json
//! {"message": "the request body is invalid", "fields": [{"field": "quantity", "message": "greater than 1000"}], "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}
//! ```
//!
//! What a caller reads is a stable message: an error converted from a [`Surface`] error says
//! what [`Surface::public_message`] allows, never AWS's error text, an ARN, an account id or a
//! resource name. The whole error, with its source chain, goes to the log, under the same
//! request id.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use updraft_core::error::{Report, Surface};

tokio::task_local! {
    static REQUEST_ID: Option<Arc<str>>;
}

/// Runs `future` with `id` as the request id that error bodies carry.
pub(crate) async fn with_request_id<F: Future>(id: Option<Arc<str>>, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// One field of the input and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path, such as `quantity` or `items[2].sku`.
    pub field: String,
    /// Why it was rejected.
    pub message: String,
}

/// An error a handler returns; it becomes a JSON response with its status.
///
/// Any error that implements [`Surface`] (every Updraft error, and yours if you implement it)
/// converts with `?`. For server-side kinds (5xx) the response says only what kind of failure
/// it was; the error itself goes to the log, never to the client.
///
/// # Example
///
/// ```
/// use updraft_contexts::http::{ApiError, ApiResult};
///
/// async fn order(id: u32) -> ApiResult<String> {
///     if id == 0 {
///         return Err(ApiError::bad_request("an order id starts at 1").with_field("id", "must be positive"));
///     }
///     Err(ApiError::not_found(format!("no order {id}")))
/// }
/// ```
#[derive(Debug)]
#[must_use]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    message: Cow<'static, str>,
    fields: Vec<FieldError>,
    code: Option<&'static str>,
    headers: HeaderMap,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with any status and message.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Inner {
            status,
            message: message.into(),
            fields: Vec::new(),
            code: None,
            headers: HeaderMap::new(),
            source: None,
        }))
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: the caller is not authenticated.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: the caller may not do this.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 405: the resource does not support this method.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 415: the body is not in a media type the endpoint reads.
    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// 422: well-formed, but semantically wrong.
    pub fn unprocessable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 500 with a generic message; `source` is logged, not sent.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error").with_source(source)
    }

    /// Adds a field error.
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.0.fields.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// Adds field errors.
    pub fn with_fields(mut self, fields: impl IntoIterator<Item = FieldError>) -> Self {
        self.0.fields.extend(fields);
        self
    }

    /// Adds a stable machine-readable code, sent as `code`.
    pub fn with_code(self, code: &'static str) -> Self {
        self.with_code_opt(Some(code))
    }

    fn with_code_opt(mut self, code: Option<&'static str>) -> Self {
        self.0.code = code;
        self
    }

    /// Adds a response header, such as `WWW-Authenticate` or `Retry-After`.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.append(name, value);
        self
    }

    /// Keeps the underlying error, for the log.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The message sent to the client.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The field errors.
    #[must_use]
    pub fn fields(&self) -> &[FieldError] {
        &self.0.fields
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.message)
    }
}

impl<E> From<E> for ApiError
where
    E: Surface + Send + Sync + 'static,
{
    /// The error's kind gives the status, its [`Surface::error_type`] the `code`, and its
    /// [`Surface::public_message`] the message; a throttled dependency adds `Retry-After`.
    /// The error itself is kept for the log.
    fn from(error: E) -> Self {
        let kind = error.kind();
        let status =
            StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut api =
            Self::new(status, error.public_message()).with_code_opt(Some(error.error_type()));
        if let Some(seconds) = kind.retry_after() {
            api = api.with_header(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        api.with_source(error)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// A JSON error response with `message` and the request id (and `fields`, `code` when given).
pub(crate) fn json_response(
    status: StatusCode,
    message: &str,
    fields: &[FieldError],
    code: Option<&str>,
) -> Response {
    let body = REQUEST_ID
        .try_with(|id| {
            serde_json::to_vec(&Body {
                message,
                fields,
                code,
                request_id: id.as_deref(),
            })
        })
        .unwrap_or_else(|_| {
            serde_json::to_vec(&Body {
                message,
                fields,
                code,
                request_id: None,
            })
        })
        .unwrap_or_else(|_| br#"{"message":"internal server error"}"#.to_vec());
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let inner = *self.0;
        if let Some(source) = &inner.source {
            let error = Report(&**source);
            if inner.status.is_server_error() {
                tracing::error!(status = inner.status.as_u16(), error = %error, "request failed");
            } else {
                tracing::debug!(status = inner.status.as_u16(), error = %error, "request rejected");
            }
        }
        let mut response = json_response(inner.status, &inner.message, &inner.fields, inner.code);
        response.headers_mut().extend(inner.headers);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn json(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn errors_are_json_with_message_and_fields() {
        let response = ApiError::bad_request("the request body is invalid")
            .with_field("quantity", "greater than 1000")
            .into_response();
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = json(response).await;
        assert_eq!(body["message"], "the request body is invalid");
        assert_eq!(body["fields"][0]["field"], "quantity");
        assert!(body.get("code").is_none());
    }

    #[tokio::test]
    async fn server_errors_hide_their_cause() {
        let cause = updraft_core::Error::Unreachable {
            service: "dynamodb".into(),
            endpoint: "http://10.0.0.1:8000 secret-host".into(),
            source: "refused".into(),
        };
        let response = ApiError::from(cause).into_response();
        assert_eq!(response.status(), 503);
        let body = json(response).await;
        assert_eq!(body["message"], "a dependency is unavailable");
        assert_eq!(body["code"], "updraft.core.Unreachable");
        assert!(!body.to_string().contains("secret-host"));
    }

    #[tokio::test]
    async fn aws_text_never_reaches_the_body_and_the_request_id_does() {
        let cause = updraft_core::Error::Service {
            service: "dynamodb".into(),
            status: 400,
            code: Some("ProvisionedThroughputExceededException".into()),
            message: Some(
                "Throughput exceeded for arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
                    .into(),
            ),
            request_id: None,
        };
        let response = with_request_id(Some("req-7".into()), async {
            ApiError::from(cause).into_response()
        })
        .await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "1");
        let body = json(response).await;
        assert_eq!(body["request_id"], "req-7");
        assert_eq!(
            body["message"],
            "a dependency is throttling requests; retry later"
        );
        let text = body.to_string();
        for leak in ["arn:aws", "123456789012", "orders", "Throughput"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }

    #[tokio::test]
    async fn client_errors_keep_their_message() {
        let response = ApiError::from(updraft_core::Error::MissingSessionState).into_response();
        assert_eq!(response.status(), 400);
        assert!(
            json(response).await["message"]
                .as_str()
                .unwrap()
                .contains("state")
        );
    }
}
