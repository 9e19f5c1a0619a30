//! The answer to a signed request, and AWS error bodies in their three dialects.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::Error;

/// A successful (2xx) answer to a [`super::SignedClient`] request.
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) service: String,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response body.
    #[must_use]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request id AWS assigned to the call, from `x-amzn-RequestId` or `x-amz-request-id`.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] when the body is not UTF-8.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(|e| Error::Response {
            service: self.service.clone(),
            reason: format!("the body is not UTF-8: {e}"),
        })
    }

    /// The body decoded from JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] when the body is not JSON of the expected shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Response {
            service: self.service.clone(),
            reason: format!("the body is not the expected JSON: {e}"),
        })
    }
}

fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

/// Turns an error answer into [`Error::Service`], reading the code and message from a JSON
/// body (`__type`, `message`), an XML body (`<Code>`, `<Message>`) or the `x-amzn-ErrorType`
/// header, whichever the protocol uses.
pub(crate) fn service_error(
    service: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Error {
    let text = String::from_utf8_lossy(body);
    let (mut code, message) = if text.trim_start().starts_with('{') {
        json_error(&text)
    } else if text.trim_start().starts_with('<') {
        (xml_tag(&text, "Code"), xml_tag(&text, "Message"))
    } else {
        (None, None)
    };
    if code.is_none() {
        code = headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(short_code);
    }
    let request_id = request_id(headers)
        .map(str::to_owned)
        .or_else(|| xml_tag(&text, "RequestId"));
    Error::Service {
        service: service.to_owned(),
        status: status.as_u16(),
        code,
        message,
        request_id,
    }
}

fn json_error(text: &str) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return (None, None);
    };
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| map.get(*n)?.as_str())
            .map(str::to_owned)
    };
    (
        field(&["__type", "code", "Code"]).map(|c| short_code(&c)),
        field(&["message", "Message", "errorMessage"]),
    )
}

/// `com.amazonaws.sqs#QueueDoesNotExist` or `QueueDoesNotExist:http://...` → `QueueDoesNotExist`.
fn short_code(raw: &str) -> String {
    let raw = raw.split(':').next().unwrap_or(raw);
    raw.rsplit('#').next().unwrap_or(raw).to_owned()
}

/// The text of the first `<tag>…</tag>`, unescaped. Enough for AWS error documents, which are
/// flat and small; not a general XML parser.
fn xml_tag(text: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    Some(
        text[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(error: Error) -> (u16, Option<String>, Option<String>, Option<String>) {
        match error {
            Error::Service {
                status,
                code,
                message,
                request_id,
                ..
            } => (status, code, message, request_id),
            other => panic!("not a service error: {other:?}"),
        }
    }

    #[test]
    fn reads_query_protocol_xml() {
        let body = "<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type>\
            <Code>AWS.SimpleQueueService.NonExistentQueue</Code>\
            <Message>The specified queue does not exist &amp; never did.</Message></Error>\
            <RequestId>42d59b56</RequestId></ErrorResponse>";
        let (status, code, message, id) = parts(service_error(
            "sqs",
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body.as_bytes(),
        ));
        assert_eq!(status, 400);
        assert_eq!(
            code.as_deref(),
            Some("AWS.SimpleQueueService.NonExistentQueue")
        );
        assert_eq!(
            message.as_deref(),
            Some("The specified queue does not exist & never did.")
        );
        assert_eq!(id.as_deref(), Some("42d59b56"));
    }

    #[test]
    fn reads_json_protocol_bodies_and_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amzn-requestid", "r-1".parse().unwrap());
        let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#;
        let (_, code, message, id) = parts(service_error(
            "dynamodb",
            StatusCode::BAD_REQUEST,
            &headers,
            body,
        ));
        assert_eq!(code.as_deref(), Some("ResourceNotFoundException"));
        assert_eq!(message.as_deref(), Some("Requested resource not found"));
        assert_eq!(id.as_deref(), Some("r-1"));

        headers.insert(
            "x-amzn-errortype",
            "AccessDeniedException:http://internal.amazon.com/"
                .parse()
                .unwrap(),
        );
        let (_, code, message, _) = parts(service_error(
            "lambda",
            StatusCode::FORBIDDEN,
            &headers,
            b"",
        ));
        assert_eq!(code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(message, None);
    }

    proptest! {
        #![proptest_config(updraft_testkit::fuzz::config())]
        #[test]
        fn fuzz_aws_error_answers_never_panic(
            json in updraft_testkit::fuzz::mutated(&[r#"{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "Requested resource not found"}"#]),
            header in "\\PC{0,40}",
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_str(&header) {
                headers.insert("x-amzn-errortype", value.clone());
                headers.insert("x-amzn-requestid", value);
            }
            let _ = service_error("x", StatusCode::BAD_REQUEST, &headers, &json);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_error_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = service_error("x", StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), &body);
        }

        #[test]
        fn arbitrary_xml_like_bodies_never_panic(body in "<[A-Za-z]{0,8}>\\PC{0,32}</?[A-Za-z]{0,8}>") {
            let _ = service_error("x", StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), body.as_bytes());
        }
    }
}
