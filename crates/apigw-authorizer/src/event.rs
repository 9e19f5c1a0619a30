//! Authorizer events, read with clear errors: a REST TOKEN or REQUEST event, an HTTP API
//! (payload 2.0) event, or a WebSocket `$connect` event. `Debug` never shows a token or the
//! request's headers, which carry credentials.

use std::collections::HashMap;
use std::fmt;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayV2CustomAuthorizerV2Request,
};
use serde::Deserialize;
use serde_json::Value;

use crate::{Error, MethodArn};

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedEvent(reason.into())
}

fn field<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

fn arn(value: &Value, name: &str) -> Result<MethodArn, Error> {
    field(value, name)
        .ok_or_else(|| malformed(format!("it has no `{name}`")))?
        .parse()
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| malformed(format!("not a {what} event: {e}")))
}

/// A REST API TOKEN authorizer's event: the token from the identity source, and the ARN of the
/// method called.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Value")]
pub struct TokenEvent {
    /// The token (the whole header value, `Bearer …` included); see [`TokenEvent::bearer`].
    pub token: String,
    /// The method called.
    pub method_arn: MethodArn,
}

impl TokenEvent {
    /// The token without a leading `Bearer ` (any case).
    #[must_use]
    pub fn bearer(&self) -> &str {
        let token = self.token.trim();
        match token.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
            _ => token,
        }
    }
}

impl TryFrom<Value> for TokenEvent {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        if !value.is_object() {
            return Err(malformed("the event is not a JSON object"));
        }
        if field(&value, "type") != Some("TOKEN") {
            return Err(malformed("its `type` is not `TOKEN`"));
        }
        let token = field(&value, "authorizationToken")
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| malformed("it has no `authorizationToken`"))?
            .to_owned();
        Ok(Self {
            token,
            method_arn: arn(&value, "methodArn")?,
        })
    }
}

impl fmt::Debug for TokenEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEvent")
            .field("token", &"[REDACTED]")
            .field("method_arn", &self.method_arn)
            .finish()
    }
}

/// A REST API REQUEST authorizer's event: the method ARN and the whole request.
#[derive(Clone, Deserialize)]
#[serde(try_from = "Value")]
pub struct RequestEvent {
    /// The method called.
    pub method_arn: MethodArn,
    /// The request: headers, query string, path and stage variables, context.
    pub request: ApiGatewayCustomAuthorizerRequestTypeRequest,
}

impl TryFrom<Value> for RequestEvent {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        if field(&value, "type") != Some("REQUEST") {
            return Err(malformed("its `type` is not `REQUEST`"));
        }
        let method_arn = arn(&value, "methodArn")?;
        Ok(Self {
            method_arn,
            request: decode(value, "REQUEST authorizer")?,
        })
    }
}

impl fmt::Debug for RequestEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestEvent")
            .field("method_arn", &self.method_arn)
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

/// An HTTP API authorizer's event (payload format 2.0): the route ARN and the request.
#[derive(Clone, Deserialize)]
#[serde(try_from = "Value")]
pub struct HttpEvent {
    /// The route called, as an ARN.
    pub route_arn: MethodArn,
    /// The request.
    pub request: ApiGatewayV2CustomAuthorizerV2Request,
}

impl TryFrom<Value> for HttpEvent {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        if field(&value, "version") != Some("2.0") {
            return Err(malformed("its `version` is not `2.0`"));
        }
        let route_arn = arn(&value, "routeArn")?;
        Ok(Self {
            route_arn,
            request: decode(value, "HTTP API authorizer")?,
        })
    }
}

impl fmt::Debug for HttpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpEvent")
            .field("route_arn", &self.route_arn)
            .field("route_key", &self.request.route_key)
            .finish_non_exhaustive()
    }
}

/// A WebSocket API's `$connect` authorizer event: the route ARN, the connection, and the
/// headers and query string the client connected with.
#[derive(Clone, Deserialize)]
#[serde(try_from = "Value")]
pub struct WebSocketEvent {
    /// The `$connect` route, as an ARN.
    pub method_arn: MethodArn,
    /// The connection id.
    pub connection_id: String,
    /// The API's domain name.
    pub domain_name: Option<String>,
    /// The stage.
    pub stage: Option<String>,
    /// The handshake's headers.
    pub headers: HashMap<String, String>,
    /// The handshake's query string.
    pub query: HashMap<String, String>,
}

impl TryFrom<Value> for WebSocketEvent {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        let context = value
            .get("requestContext")
            .ok_or_else(|| malformed("it has no `requestContext`"))?;
        if field(context, "eventType") != Some("CONNECT") {
            return Err(malformed("its `requestContext.eventType` is not `CONNECT`"));
        }
        let strings = |name: &str| -> Result<HashMap<String, String>, Error> {
            match value.get(name) {
                None | Some(Value::Null) => Ok(HashMap::new()),
                Some(map) => serde_json::from_value(map.clone())
                    .map_err(|_| malformed(format!("`{name}` is not a map of strings"))),
            }
        };
        Ok(Self {
            method_arn: arn(&value, "methodArn")?,
            connection_id: field(context, "connectionId")
                .ok_or_else(|| malformed("it has no `requestContext.connectionId`"))?
                .to_owned(),
            domain_name: field(context, "domainName").map(str::to_owned),
            stage: field(context, "stage").map(str::to_owned),
            headers: strings("headers")?,
            query: strings("queryStringParameters")?,
        })
    }
}

impl fmt::Debug for WebSocketEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketEvent")
            .field("method_arn", &self.method_arn)
            .field("connection_id", &self.connection_id)
            .finish_non_exhaustive()
    }
}

/// Any authorizer event, told apart by its `type`, `version` and request context.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Value")]
#[non_exhaustive]
pub enum Event {
    /// REST TOKEN.
    Token(TokenEvent),
    /// REST REQUEST.
    Request(Box<RequestEvent>),
    /// HTTP API (payload 2.0).
    Http(Box<HttpEvent>),
    /// WebSocket `$connect`.
    WebSocket(WebSocketEvent),
}

impl TryFrom<Value> for Event {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        if !value.is_object() {
            return Err(malformed("the event is not a JSON object"));
        }
        if field(&value, "version") == Some("2.0") {
            return HttpEvent::try_from(value).map(|e| Event::Http(Box::new(e)));
        }
        let connect = value
            .get("requestContext")
            .and_then(|c| field(c, "eventType"))
            == Some("CONNECT");
        match field(&value, "type") {
            Some("TOKEN") => TokenEvent::try_from(value).map(Event::Token),
            Some("REQUEST") if connect => WebSocketEvent::try_from(value).map(Event::WebSocket),
            Some("REQUEST") => RequestEvent::try_from(value).map(|e| Event::Request(Box::new(e))),
            Some(other) => Err(malformed(format!("unknown authorizer type `{other}`"))),
            None => Err(malformed("it has no `type` and is not payload 2.0")),
        }
    }
}

impl Event {
    /// The ARN of the method or route the request is for.
    #[must_use]
    pub fn arn(&self) -> &MethodArn {
        match self {
            Event::Token(e) => &e.method_arn,
            Event::Request(e) => &e.method_arn,
            Event::Http(e) => &e.route_arn,
            Event::WebSocket(e) => &e.method_arn,
        }
    }
}
