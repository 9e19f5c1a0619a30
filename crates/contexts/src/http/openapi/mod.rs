//! OpenAPI both ways (feature `openapi`): spec first, where an OpenAPI document is the contract,
//! its operations are bound to handlers by `operationId` and every request is checked against
//! it before the handler runs; and code first, where the routes and their handlers' types
//! generate the document ([`Documented`]).
//!
//! # Spec first
//!
//! - [`OpenApi::from_file`] loads OpenAPI 3.0 or 3.1, YAML or JSON, with its `$ref`s resolved:
//!   those inside the document and those naming other files, relative to the file that names
//!   them. Swagger 2.0 is converted where that is mechanical (paths, parameters, bodies,
//!   definitions, responses); form parameters, `type: file` and collection formats other than
//!   `csv` and `multi` are refused. Nothing is fetched over the network.
//! - [`OpenApi::routes`] gives [`Routes`]: bind each operation with
//!   [`Routes::operation`], then [`Routes::build`] returns an axum [`Router`](axum::Router), or
//!   one [`SpecError::Problems`] listing every mismatch: an operation without a handler, a
//!   handler for an id the spec lacks, a path template axum cannot route, path parameters that
//!   do not match the template, a schema that does not compile. Nothing is left to fail at
//!   request time.
//! - Each request is checked against its operation: path, query, header and cookie parameters
//!   (read as their schema's type: `?limit=abc` for an integer fails, `?limit=7` passes), the
//!   `Content-Type` against the declared media types (415 otherwise), and a JSON body against
//!   its schema (formats such as `date-time`, `uuid` and `email` included). A failure is a 400 in
//!   the contexts' error envelope, one entry per failing field, named by its JSON pointer:
//!   `{"message": "the request does not match the API", "fields": [{"field": "/query/limit",
//!   "message": "…"}]}`. The messages name the rule, never the value given.
//! - An unknown path is a 404 and a known path with another method a 405 with `Allow`, both in
//!   the same envelope (the HTTP context does that for every router).
//! - In debug builds (and so in tests) each JSON response is checked against the operation's
//!   declared responses too, and a handler that drifts from the contract answers 500 with the
//!   differences in the log; [`Routes::validate_responses`] turns it on or off.
//! - The spec is served at `/openapi.json` ([`Routes::spec_path`] moves it or turns it off), as
//!   JSON, after conversion (a Swagger 2.0 spec is served as the OpenAPI 3.0 it became).
//!
//! The router is an ordinary axum router for [`App`](crate::http::App): stage and prefix
//! stripping, authentication, the session, CORS and request logs apply as to any other. The
//! spec's `servers` do not change routing; strip a base path with `UPDRAFT_STRIP_PREFIXES`.
//!
//! A parameter's text is read as the top-level `type` of its schema (`integer`, `number`,
//! `boolean`, `array` of those, or `string`); arrays are comma-separated except exploded query
//! parameters (`?tag=a&tag=b`, the OpenAPI default). A single-valued parameter given twice is a
//! 400, never first-wins. Only `form` and `simple` styles are read.
//!
//! ## Example
//!
//! ```no_run
//! use axum::{Json, extract::Path};
//! use serde_json::{Value, json};
//! use updraft_contexts::http::{App, openapi::OpenApi};
//!
//! async fn get_pet(Path(id): Path<u64>) -> Json<Value> {
//!     Json(json!({ "id": id, "name": "Rex" }))
//! }
//!
//! # async fn list_pets() -> Json<Value> { Json(json!([])) }
//! # async fn create_pet() -> Json<Value> { Json(json!({})) }
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     let router = OpenApi::from_file("pets.yaml")?
//!         .routes()
//!         .operation("listPets", list_pets)
//!         .operation("createPet", create_pet)
//!         .operation("getPet", get_pet)
//!         .build()?;
//!     App::new(router).run().await
//! }
//! ```
//!
//! # Code first
//!
//! A plain axum `Router` cannot be listed, so documented routes go on aide's [`ApiRouter`]
//! (re-exported here with its routing functions as [`api`]): an axum router that records each
//! route's parameters, body and responses from its handler's types. [`Documented::generate`]
//! builds the routes and an OpenAPI 3.1 document; `into_router()` gives an ordinary router that
//! also serves the document at `/openapi.json`, and Swagger UI where
//! [`Documented::swagger_ui`] says (feature `swagger-ui`; its assets are vendored in the aide
//! crate).
//!
//! - Request and response types derive [`schemars::JsonSchema`] beside serde and garde:
//!   schemars reads garde's `length`, `range`, `pattern`, `email`, `url` rules into the schema,
//!   so the document states the limits `ValidJson` enforces, and doc comments become
//!   descriptions.
//! - `ValidJson`, `ValidQuery` and `ValidPath` are documented as the body, query and path of
//!   their type, with the 400 (and 415) they answer; `ApiError` as the JSON error envelope.
//! - Operations without an id get one from their method and path (`GET /orders/{id}` is
//!   `getOrdersById`), so the generated document also serves spec first.
//! - Plain axum routers merge in unchanged (`ApiRouter::merge`, `ApiRouter::route`): served,
//!   not documented.
//!
//! ```no_run
//! use axum::Json;
//! use serde::{Deserialize, Serialize};
//! use updraft_contexts::http::openapi::{ApiRouter, Documented, Info, api};
//! use updraft_contexts::http::{App, ValidJson};
//!
//! /// An order to place.
//! #[derive(Deserialize, garde::Validate, schemars::JsonSchema)]
//! struct NewOrder {
//!     #[garde(length(min = 1, max = 64))]
//!     item: String,
//!     #[garde(range(min = 1, max = 1000))]
//!     quantity: u32,
//! }
//!
//! #[derive(Serialize, schemars::JsonSchema)]
//! struct Order {
//!     id: u64,
//! }
//!
//! async fn place(ValidJson(_order): ValidJson<NewOrder>) -> Json<Order> {
//!     Json(Order { id: 1 })
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     let info = Info { title: "orders".into(), version: "1.0.0".into(), ..Info::default() };
//!     let documented =
//!         Documented::generate(info, || ApiRouter::new().api_route("/orders", api::post(place)))?;
//!     App::new(documented.into_router()).run().await
//! }
//! ```

mod bind;
mod code;
mod convert;
mod io;
mod load;
mod paths;
mod refs;
mod schema;
mod spec;
mod swagger;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use updraft_core::error::{Kind, Surface};

pub use bind::Routes;
pub use code::{ApiRouter, Documented, Info, api};
pub use {aide, schemars};

use convert::Version;
use load::Documents;
use spec::Operation;

/// Where [`Routes`] serves the spec unless told otherwise.
pub const SPEC_PATH: &str = "/openapi.json";

/// A loaded OpenAPI spec: its documents, converted to one shape, and its operations.
#[derive(Clone)]
pub struct OpenApi {
    docs: Documents,
    version: Version,
    operations: Vec<Operation>,
}

impl fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenApi")
            .field("document", &self.docs.root)
            .field("version", &self.version)
            .field("operations", &self.operations.len())
            .finish_non_exhaustive()
    }
}

impl OpenApi {
    /// Loads the spec at `path` (YAML or JSON) and every file its `$ref`s name.
    ///
    /// # Errors
    ///
    /// [`SpecError`]: a file that cannot be read or parsed, a version other than OpenAPI 3.0,
    /// 3.1 or Swagger 2.0, a Swagger construct with no mechanical conversion, a remote
    /// reference, or [`SpecError::Problems`] listing every malformed path, operation,
    /// parameter or reference.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SpecError> {
        Self::from_documents(load::from_file(path.as_ref())?)
    }

    /// Loads a spec from text (YAML or JSON), such as an `include_str!`. It may reference
    /// only itself: use [`OpenApi::from_file`] for specs split over files.
    ///
    /// # Errors
    ///
    /// As [`OpenApi::from_file`], and a reference to another file.
    pub fn from_text(text: &str) -> Result<Self, SpecError> {
        Self::from_documents(load::from_text(text)?)
    }

    fn from_documents(mut docs: Documents) -> Result<Self, SpecError> {
        let version = convert::version(docs.root(), &docs.root)?;
        if version == Version::Swagger2 {
            let names: Vec<String> = docs.docs.keys().cloned().collect();
            for (name, document) in names.iter().zip(docs.each_mut()) {
                swagger::swagger_to_openapi(document, name)?;
            }
        }
        if version != Version::V31 {
            docs.each_mut().for_each(convert::schemas_to_2020);
        }
        let operations = spec::operations(&docs).map_err(SpecError::Problems)?;
        Ok(Self {
            docs,
            version,
            operations,
        })
    }

    /// The root document, as served at [`SPEC_PATH`] (a Swagger 2.0 spec as the OpenAPI 3.0
    /// it was converted to).
    #[must_use]
    pub fn document(&self) -> &Value {
        self.docs.root()
    }

    /// The document as pretty-printed JSON with a final newline, as `cargo xtask openapi`
    /// writes it.
    #[must_use]
    pub fn to_json_pretty(&self) -> String {
        pretty(self.document())
    }

    /// The `operationId` of every operation, in path order.
    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().filter_map(|op| op.id.as_deref())
    }

    /// Starts binding handlers to the operations; `S` is the router's state type, as in
    /// [`axum::Router<S>`].
    pub fn routes<S: Clone + Send + Sync + 'static>(self) -> Routes<S> {
        Routes::new(self)
    }
}

/// `document` as pretty-printed JSON with a final newline: the form both directions write.
fn pretty(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// The route that serves `document` as JSON, serialized once.
fn document_route<S: Clone + Send + Sync + 'static>(
    document: &Value,
) -> axum::routing::MethodRouter<S> {
    let body = axum::body::Bytes::from(serde_json::to_vec(document).unwrap_or_default());
    axum::routing::get(move || async move {
        (
            [(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            )],
            body,
        )
    })
}

/// Why a spec could not be loaded or bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A document could not be read.
    #[error("cannot read the OpenAPI document {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A document is not YAML or JSON with a mapping at its top.
    #[error("{document} is not a YAML or JSON OpenAPI document: {reason}")]
    Parse {
        /// The document.
        document: String,
        /// What the parser said.
        reason: String,
    },
    /// A document uses what the contexts do not support.
    #[error("{document}: {reason}")]
    Unsupported {
        /// The document.
        document: String,
        /// What, and what to do instead.
        reason: String,
    },
    /// The spec and the handlers do not match, or the spec is malformed: every problem found.
    #[error("the OpenAPI spec has {} problem(s):\n{}", .0.len(), list(.0))]
    Problems(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Surface for SpecError {
    fn kind(&self) -> Kind {
        Kind::Config
    }

    fn error_type(&self) -> &'static str {
        "updraft.contexts.OpenApi"
    }
}

/// One mismatch between a spec and its handlers, or one malformed part of a spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// An operation has no handler.
    #[error("{operation} (`{operation_id}`) has no handler")]
    MissingHandler {
        /// Its `operationId`.
        operation_id: String,
        /// `METHOD /path`.
        operation: String,
    },
    /// An operation has no `operationId`, so no handler can be bound to it.
    #[error("{operation} has no operationId to bind a handler to")]
    NoOperationId {
        /// `METHOD /path`.
        operation: String,
    },
    /// A handler was bound to an id that no operation has.
    #[error("a handler is bound to `{operation_id}`, which no operation has")]
    UnknownOperation {
        /// The id given.
        operation_id: String,
    },
    /// Two handlers were bound to one operation.
    #[error("`{operation_id}` is bound twice")]
    DuplicateHandler {
        /// The id.
        operation_id: String,
    },
    /// A path template that axum cannot route.
    #[error("{path} cannot be routed: {reason}")]
    Unroutable {
        /// The template (or the two that conflict).
        path: String,
        /// Why.
        reason: String,
    },
    /// A template parameter without its declaration, or the other way round.
    #[error("{operation}: the path parameter `{name}` {reason}")]
    PathParameter {
        /// `METHOD /path`.
        operation: String,
        /// The parameter.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A schema the validator cannot compile.
    #[error("{operation}: the schema at {at} does not compile: {reason}")]
    InvalidSchema {
        /// `METHOD /path`.
        operation: String,
        /// The schema's URI.
        at: String,
        /// What the compiler said.
        reason: String,
    },
    /// A malformed part of the spec.
    #[error("{at}: {reason}")]
    Invalid {
        /// Where (document URI and pointer).
        at: String,
        /// What is wrong.
        reason: String,
    },
}
