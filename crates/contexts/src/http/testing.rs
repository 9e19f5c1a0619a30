//! Testing an app with real AWS event shapes, in a plain `#[tokio::test]`, without Lambda.
//!
//! [`Event`] starts from AWS's documented sample event of a source and sets the method, path,
//! query, headers and body the way that source writes them (the stage into a REST API's
//! `requestContext.path`, a named stage into an HTTP API's `rawPath` on its `execute-api`
//! domain, a custom domain's base path or mapping key into the paths). [`invoke`] sends it through the full Lambda stack and
//! returns the response event as JSON.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use updraft_contexts::http::{App, testing::{Event, invoke}};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let app = App::new(Router::new().route("/hello", get(|| async { "hi" })))
//!     .env(updraft_core::Env::default())
//!     .strip_prefixes(["/shop"]) // the base path of the custom-domain sample
//!     .into_lambda_service()?;
//! for (name, event) in Event::every_source() {
//!     let response = invoke(&app, event.method("GET").path("/hello").to_bytes()).await.unwrap();
//!     assert_eq!(response["statusCode"], 200, "{name}");
//!     assert_eq!(response["body"], "hi", "{name}");
//! }
//! # Ok::<(), updraft_contexts::Error>(()) });
//! ```

use base64::Engine as _;
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};

use super::{EventSource, LambdaService};

const REST_API: &str = include_str!("../../fixtures/rest-api-stage.json");
const REST_API_CUSTOM_DOMAIN: &str = include_str!("../../fixtures/rest-api-custom-domain.json");
const HTTP_API: &str = include_str!("../../fixtures/http-api-default-stage.json");
const HTTP_API_STAGE: &str = include_str!("../../fixtures/http-api-named-stage.json");
const FUNCTION_URL: &str = include_str!("../../fixtures/function-url.json");
const ALB: &str = include_str!("../../fixtures/alb.json");
const VPC_LATTICE: &str = include_str!("../../fixtures/vpc-lattice.json");
const VPC_LATTICE_V1: &str = include_str!("../../fixtures/vpc-lattice-v1.json");

/// A Lambda HTTP event, built from a source's sample event.
#[derive(Debug, Clone)]
#[must_use]
pub struct Event {
    source: EventSource,
    json: Value,
    stage: Option<String>,
    base_path: Option<String>,
}

impl Event {
    fn fixture(source: EventSource, text: &str) -> Self {
        let json: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let stage = match source {
            EventSource::RestApi => json["requestContext"]["stage"].as_str(),
            EventSource::HttpApi => json["requestContext"]["stage"]
                .as_str()
                .filter(|s| *s != "$default"),
            _ => None,
        }
        .map(str::to_owned);
        Self {
            source,
            json,
            stage,
            base_path: None,
        }
    }

    /// A REST API (v1) event through the execute-api endpoint of stage `prod`.
    pub fn rest_api() -> Self {
        Self::fixture(EventSource::RestApi, REST_API)
    }

    /// A REST API event through custom domain `api.example.com`, base path mapping `shop`.
    pub fn rest_api_custom_domain() -> Self {
        let mut event = Self::fixture(EventSource::RestApi, REST_API_CUSTOM_DOMAIN);
        event.stage = None;
        event.base_path = Some("/shop".into());
        event
    }

    /// An HTTP API (v2) event on the `$default` stage.
    pub fn http_api() -> Self {
        Self::fixture(EventSource::HttpApi, HTTP_API)
    }

    /// An HTTP API event on the named stage `prod`, which API Gateway leaves in `rawPath`.
    pub fn http_api_named_stage() -> Self {
        Self::fixture(EventSource::HttpApi, HTTP_API_STAGE)
    }

    /// An HTTP API event on the named stage `prod`, through custom domain `api.example.com`
    /// with API mapping key `shop`: the stage is not in `rawPath`, the mapping key is.
    pub fn http_api_custom_domain() -> Self {
        let mut event = Self::fixture(EventSource::HttpApi, HTTP_API_STAGE);
        event.json["requestContext"]["domainName"] = json!("api.example.com");
        event.json["requestContext"]["domainPrefix"] = json!("api");
        event.stage = None;
        event.base_path = Some("/shop".into());
        event
    }

    /// A Lambda function URL event.
    pub fn function_url() -> Self {
        Self::fixture(EventSource::FunctionUrl, FUNCTION_URL)
    }

    /// An Application Load Balancer event.
    pub fn alb() -> Self {
        Self::fixture(EventSource::Alb, ALB)
    }

    /// A VPC Lattice (v2) event.
    pub fn vpc_lattice() -> Self {
        Self::fixture(EventSource::VpcLattice, VPC_LATTICE)
    }

    /// A VPC Lattice event in the version 1 format.
    pub fn vpc_lattice_v1() -> Self {
        Self::fixture(EventSource::VpcLatticeV1, VPC_LATTICE_V1)
    }

    /// The name of the field that says the body is base64.
    fn base64_field(&self) -> &'static str {
        if self.source == EventSource::VpcLatticeV1 {
            "is_base64_encoded"
        } else {
            "isBase64Encoded"
        }
    }

    /// One event of every source and variant, named, with method `GET` and path `/`.
    #[must_use]
    pub fn every_source() -> Vec<(&'static str, Event)> {
        vec![
            ("rest-api", Self::rest_api()),
            ("rest-api-custom-domain", Self::rest_api_custom_domain()),
            ("http-api", Self::http_api()),
            ("http-api-named-stage", Self::http_api_named_stage()),
            ("http-api-custom-domain", Self::http_api_custom_domain()),
            ("function-url", Self::function_url()),
            ("alb", Self::alb()),
            ("vpc-lattice", Self::vpc_lattice()),
            ("vpc-lattice-v1", Self::vpc_lattice_v1()),
        ]
        .into_iter()
        .map(|(name, event)| {
            (
                name,
                event.method("GET").path("/").clear_query().clear_body(),
            )
        })
        .collect()
    }

    /// The event's source.
    #[must_use]
    pub fn source(&self) -> EventSource {
        self.source
    }

    /// The custom-domain base path the event carries, if any (strip it with
    /// [`super::App::strip_prefixes`]).
    #[must_use]
    pub fn base_path(&self) -> Option<&str> {
        self.base_path.as_deref()
    }

    /// Sets `requestContext.domainName`, the domain the request came through.
    pub fn domain_name(mut self, domain: &str) -> Self {
        self.json["requestContext"]["domainName"] = json!(domain);
        self
    }

    /// Sets the HTTP method.
    pub fn method(mut self, method: &str) -> Self {
        let method = method.to_ascii_uppercase();
        match self.source {
            EventSource::RestApi => {
                self.json["httpMethod"] = json!(method);
                self.json["requestContext"]["httpMethod"] = json!(method);
            }
            EventSource::HttpApi | EventSource::FunctionUrl => {
                self.json["requestContext"]["http"]["method"] = json!(method);
            }
            EventSource::Alb => self.json["httpMethod"] = json!(method),
            EventSource::VpcLattice | EventSource::VpcLatticeV1 | EventSource::Local => {
                self.json["method"] = json!(method);
            }
        }
        self
    }

    /// Sets the path the app should see; the stage and base path are added as the source
    /// adds them.
    pub fn path(mut self, path: &str) -> Self {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let base = self.base_path.clone().unwrap_or_default();
        match self.source {
            EventSource::RestApi => {
                self.json["path"] = json!(format!("{base}{path}"));
                self.json["requestContext"]["path"] = match &self.stage {
                    Some(stage) => json!(format!("/{stage}{path}")),
                    None => json!(format!("{base}{path}")),
                };
            }
            EventSource::HttpApi | EventSource::FunctionUrl => {
                let raw = match &self.stage {
                    Some(stage) => format!("/{stage}{path}"),
                    None => format!("{base}{path}"),
                };
                self.json["rawPath"] = json!(raw);
                self.json["requestContext"]["http"]["path"] = json!(raw);
            }
            EventSource::Alb | EventSource::VpcLattice | EventSource::Local => {
                self.json["path"] = json!(format!("{base}{path}"));
            }
            EventSource::VpcLatticeV1 => self.json["raw_path"] = json!(format!("{base}{path}")),
        }
        self
    }

    /// Sets the query string, such as `a=1&b=two`.
    pub fn query(mut self, query: &str) -> Self {
        let mut single = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            single.insert(key.to_string(), json!(value));
            if let Some(values) = multi
                .entry(key.to_string())
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                values.push(json!(value));
            }
        }
        match self.source {
            EventSource::RestApi => {
                self.json["queryStringParameters"] = Value::Object(single);
                self.json["multiValueQueryStringParameters"] = Value::Object(multi);
            }
            EventSource::HttpApi | EventSource::FunctionUrl => {
                self.json["rawQueryString"] = json!(query);
                self.json["queryStringParameters"] = Value::Object(single);
            }
            EventSource::Alb | EventSource::VpcLatticeV1 => {
                // An ALB and Lattice's version 1 pass values as the client encoded them.
                let raw: serde_json::Map<String, Value> = query
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect();
                let field = if self.source == EventSource::Alb {
                    "queryStringParameters"
                } else {
                    "query_string_parameters"
                };
                self.json[field] = Value::Object(raw);
            }
            EventSource::VpcLattice | EventSource::Local => {
                self.json["queryStringParameters"] = Value::Object(multi);
            }
        }
        self
    }

    fn clear_query(self) -> Self {
        self.query("")
    }

    /// Adds a header (replacing one of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if self.source == EventSource::VpcLattice {
            self.json["headers"][&name] = json!([value]);
        } else {
            self.json["headers"][&name] = json!(value);
            if self
                .json
                .get("multiValueHeaders")
                .is_some_and(Value::is_object)
            {
                self.json["multiValueHeaders"][&name] = json!([value]);
            }
        }
        self
    }

    /// Sets a text body.
    pub fn body(mut self, body: &str) -> Self {
        self.json["body"] = json!(body);
        let field = self.base64_field();
        self.json[field] = json!(false);
        self
    }

    /// Sets a JSON body and `content-type: application/json`.
    pub fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(&body.to_string())
    }

    /// Sets a binary body, base64-encoded as the source sends it.
    pub fn binary_body(self, bytes: &[u8]) -> Self {
        self.raw_base64_body(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// Sets `body` as is with `isBase64Encoded: true`, to test malformed base64.
    pub fn raw_base64_body(mut self, body: &str) -> Self {
        self.json["body"] = json!(body);
        let field = self.base64_field();
        self.json[field] = json!(true);
        self
    }

    fn clear_body(mut self) -> Self {
        self.json["body"] = Value::Null;
        let field = self.base64_field();
        self.json[field] = json!(false);
        self
    }

    /// The event as JSON.
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Edits the event JSON directly, to test malformed events.
    pub fn edit(mut self, f: impl FnOnce(&mut Value)) -> Self {
        f(&mut self.json);
        self
    }

    /// The event as bytes, as the Lambda runtime receives it.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.json.to_string().into_bytes()
    }
}

/// Sends an event through `app` as the Lambda runtime would, and returns the response event.
///
/// The request id is `test-request-id`.
///
/// # Errors
///
/// A [`Diagnostic`] with error type `updraft.contexts.UnrecognizedEvent` when the bytes are
/// not an HTTP event of a known source (the Lambda runtime reports such events the same way).
pub async fn invoke(app: &LambdaService, event: impl AsRef<[u8]>) -> Result<Value, Diagnostic> {
    crate::cli::invoke::<_, super::HttpEvent, _>(
        app.clone(),
        event.as_ref(),
        Some("test-request-id"),
    )
    .await
}
