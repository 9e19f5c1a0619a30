//! Extractors that parse *and validate* (with [`garde`]) the body, query and path.
//!
//! | input | extractor | malformed | invalid |
//! |---|---|---|---|
//! | JSON body | [`ValidJson<T>`] | 400 (syntax), 415 (content type), 413 (too large) | 400 with `fields` |
//! | query string | [`ValidQuery<T>`] | 400 with `fields` | 400 with `fields` |
//! | path parameters | [`ValidPath<T>`] | 400 | 400 with `fields` |
//!
//! A wrong type or a missing field is reported like a failed rule: 400 with the field named.
//!
//! # Example
//!
//! ```
//! use serde::Deserialize;
//! use updraft_contexts::http::ValidJson;
//!
//! #[derive(Deserialize, garde::Validate)]
//! struct Order {
//!     #[garde(length(chars, min = 1, max = 64))]
//!     item: String,
//!     #[garde(range(min = 1, max = 1000))]
//!     quantity: u32,
//! }
//!
//! async fn create(ValidJson(order): ValidJson<Order>) -> String {
//!     format!("{} x {}", order.quantity, order.item)
//! }
//! # let _: axum::routing::MethodRouter = axum::routing::post(create);
//! ```

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use garde::Validate;
use http::request::Parts;
use http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use super::problem::{ApiError, FieldError};

/// A JSON body, deserialized and validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

/// A query string, deserialized and validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidQuery<T>(pub T);

/// Path parameters, deserialized and validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidPath<T>(pub T);

/// The rejection of the validating extractors: an [`ApiError`] response.
#[derive(Debug)]
pub struct Rejection(pub ApiError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl From<ApiError> for Rejection {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
    T::Context: Default,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        Ok(Self(parse_json(&bytes)?))
    }
}

/// 415 unless the request says its body is JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(
            "the request body must be JSON (Content-Type: application/json)",
        ))
    }
}

/// Deserializes and validates a JSON document, naming the fields at fault.
pub(crate) fn parse_json<T>(bytes: &[u8]) -> Result<T, ApiError>
where
    T: DeserializeOwned + Validate,
    T::Context: Default,
{
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let malformed = |error: &serde_json::Error| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON (line {}, column {})",
            error.line(),
            error.column()
        ))
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    ApiError::bad_request("the request body is invalid")
                        .with_field(field_name(&path, &inner.to_string()), data_message(&inner))
                }
                _ => malformed(&inner),
            });
        }
    };
    deserializer.end().map_err(|e| malformed(&e))?;
    validate(value, "the request body is invalid")
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The field a serde error is about: its path, or for `missing field` the missing name.
fn field_name(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(name)) => name.to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (path, None) => path.to_owned(),
    }
}

/// serde's message without the `at line … column …` suffix.
fn data_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.find(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    }
}

fn validate<T>(value: T, message: &'static str) -> Result<T, ApiError>
where
    T: Validate,
    T::Context: Default,
{
    match value.validate() {
        Ok(()) => Ok(value),
        Err(report) => Err(
            ApiError::bad_request(message).with_fields(report.iter().map(|(path, error)| {
                FieldError {
                    field: path.to_string(),
                    message: error.message().to_string(),
                }
            })),
        ),
    }
}

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
    T::Context: Default,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parse_query(parts.uri.query().unwrap_or_default())?))
    }
}

/// Deserializes and validates a query string, naming the fields at fault.
pub(crate) fn parse_query<T>(query: &str) -> Result<T, ApiError>
where
    T: DeserializeOwned + Validate,
    T::Context: Default,
{
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        ApiError::bad_request("the query string is invalid")
            .with_field(field_name(&path, &message), message)
    })?;
    validate(value, "the query string is invalid")
}

impl<S, T> FromRequestParts<S> for ValidPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate + Send,
    T::Context: Default,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        Ok(Self(validate(value, "the path is invalid")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    struct Order {
        #[garde(length(chars, min = 1, max = 64))]
        item: String,
        #[garde(range(min = 1, max = 1000))]
        quantity: u32,
    }

    fn fields(error: &ApiError) -> Vec<&str> {
        error.fields().iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn valid_json_passes() {
        let order: Order = parse_json(br#"{"item": "tea", "quantity": 2}"#).unwrap();
        assert_eq!((order.item.as_str(), order.quantity), ("tea", 2));
    }

    #[test]
    fn broken_rules_name_each_field() {
        let err = parse_json::<Order>(br#"{"item": "", "quantity": 5000}"#).unwrap_err();
        assert_eq!(err.status(), 400);
        let mut named = fields(&err);
        named.sort_unstable();
        assert_eq!(named, ["item", "quantity"]);
    }

    #[test]
    fn wrong_types_and_missing_fields_name_the_field() {
        let err = parse_json::<Order>(br#"{"item": "tea", "quantity": "two"}"#).unwrap_err();
        assert_eq!(fields(&err), ["quantity"]);
        let err = parse_json::<Order>(br#"{"quantity": 2}"#).unwrap_err();
        assert_eq!(fields(&err), ["item"]);
        assert!(err.fields()[0].message.contains("missing field"));
    }

    #[test]
    fn malformed_json_is_a_400_without_fields() {
        for body in [
            &br#"{"item": "#[..],
            b"not json",
            br#"{"item": "a", "quantity": 1} trailing"#,
            b"",
            b"   ",
        ] {
            let err = parse_json::<Order>(body).unwrap_err();
            assert_eq!(err.status(), 400, "{:?}", String::from_utf8_lossy(body));
            assert!(err.fields().is_empty());
        }
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/vnd.api+json".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&headers));
    }

    proptest! {
        #[test]
        fn any_body_gives_a_value_or_a_400(body in proptest::collection::vec(any::<u8>(), 0..128)) {
            if let Err(err) = parse_json::<Order>(&body) {
                prop_assert_eq!(err.status(), 400);
            }
        }

        #[test]
        fn any_json_document_gives_a_value_or_a_400_naming_fields(
            item in proptest::option::of(".{0,80}"),
            quantity in proptest::option::of(any::<i64>()),
        ) {
            let mut doc = serde_json::Map::new();
            if let Some(item) = item { doc.insert("item".into(), item.into()); }
            if let Some(quantity) = quantity { doc.insert("quantity".into(), quantity.into()); }
            let body = serde_json::to_vec(&doc).unwrap();
            match parse_json::<Order>(&body) {
                Ok(order) => prop_assert!((1..=1000).contains(&order.quantity)),
                Err(err) => {
                    prop_assert_eq!(err.status(), 400);
                    prop_assert!(!err.fields().is_empty());
                }
            }
        }
    }
}
