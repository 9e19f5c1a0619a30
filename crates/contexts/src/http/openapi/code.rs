//! Code first: an OpenAPI 3.1 document generated from the routes and their handlers' types.
//!
//! A plain axum [`Router`] cannot be listed, so documented routes are declared on aide's
//! [`ApiRouter`], which is an axum router that also records each route's method, path,
//! parameters, body and responses from the handler's extractor and return types. The request
//! and response types derive [`schemars::JsonSchema`] beside `serde` and `garde`: schemars reads
//! garde's rules (`length`, `range`, `pattern`, `email`, `url`, …) into the schema, so the
//! document states the limits the handler enforces. Plain axum routers merge in unchanged
//! (`ApiRouter::merge`, `ApiRouter::route`); their routes are served but not documented.

use axum::Router;
use serde_json::Value;

pub use aide::axum::ApiRouter;
pub use aide::axum::routing as api;
pub use aide::openapi::Info;

use super::{Problem, SPEC_PATH, SpecError};

/// A router with its generated OpenAPI document; see [`Documented::generate`]. `S` is the
/// router's state, as in [`axum::Router<S>`]: the document needs none, so it can be written
/// (by a test, by `cargo xtask openapi`) without the clients and tables the handlers use.
#[derive(Debug)]
#[must_use = "`into_router` gives the router to serve"]
pub struct Documented<S = ()> {
    router: Router<S>,
    document: Value,
    spec_path: Option<String>,
    swagger_path: Option<String>,
}

impl<S: Clone + Send + Sync + 'static> Documented<S> {
    /// Builds the routes `routes` returns and generates their document under `info` (at least a
    /// title and a version). Schemas are gathered under `components/schemas`; responses are
    /// inferred from the handlers' return types, and the contexts' extractors add the 400 (and
    /// 415) they answer.
    ///
    /// The routes are built inside this call because aide records each route's documentation
    /// as the route is made, with the settings this call chooses.
    ///
    /// # Errors
    ///
    /// [`SpecError::Problems`] with each problem aide reported while documenting (a path
    /// parameter the handler does not take, a schema it cannot make).
    pub fn generate(info: Info, routes: impl FnOnce() -> ApiRouter<S>) -> Result<Self, SpecError> {
        let problems = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        aide::generate::reset_context();
        let seen = problems.clone();
        aide::generate::on_error(move |error| {
            seen.borrow_mut().push(Problem::Invalid {
                at: "the generated document".into(),
                reason: error.to_string(),
            });
        });
        aide::generate::extract_schemas(true);
        aide::generate::infer_responses(true);
        let mut api = aide::openapi::OpenApi {
            info,
            ..aide::openapi::OpenApi::default()
        };
        let router = routes().finish_api(&mut api);
        aide::generate::reset_context();
        let problems = std::mem::take(&mut *problems.borrow_mut());
        if !problems.is_empty() {
            return Err(SpecError::Problems(problems));
        }
        let mut document = serde_json::to_value(&api).map_err(|e| {
            SpecError::Problems(vec![Problem::Invalid {
                at: "the generated document".into(),
                reason: e.to_string(),
            }])
        })?;
        name_operations(&mut document);
        Ok(Self {
            router,
            document,
            spec_path: Some(SPEC_PATH.to_owned()),
            swagger_path: None,
        })
    }

    /// The generated document.
    #[must_use]
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The document as pretty-printed JSON with a final newline, as `cargo xtask openapi`
    /// writes it.
    #[must_use]
    pub fn to_json_pretty(&self) -> String {
        super::pretty(&self.document)
    }

    /// Where the document is served (default `/openapi.json`); `None` serves it nowhere.
    pub fn spec_path(mut self, path: Option<&str>) -> Self {
        self.spec_path = path.map(str::to_owned);
        self
    }

    /// Serves Swagger UI for the document at `path` (such as `/docs`), its assets from the
    /// aide crate, so nothing is fetched. Needs the document served ([`Documented::spec_path`]).
    #[cfg(feature = "swagger-ui")]
    #[cfg_attr(docsrs, doc(cfg(feature = "swagger-ui")))]
    pub fn swagger_ui(mut self, path: &str) -> Self {
        self.swagger_path = Some(path.to_owned());
        self
    }

    /// The router to serve: the routes, the document, and Swagger UI when asked for (give it
    /// its state with `with_state`, as any axum router).
    pub fn into_router(self) -> Router<S> {
        let mut router = self.router;
        let documents_it = |path: &str| self.document["paths"].get(path).is_some();
        if let Some(path) = self.spec_path.as_deref().filter(|p| documents_it(p)) {
            // The app has a route of its own there: it wins, and the document is not served.
            tracing::warn!(
                path,
                "a route is where the OpenAPI document would be served; it is not served"
            );
        }
        if let Some(path) = self.spec_path.as_ref().filter(|p| !documents_it(p)) {
            router = router.route(path, super::document_route(&self.document));
            #[cfg(feature = "swagger-ui")]
            if let Some(ui) = &self.swagger_path {
                let title = self.document["info"]["title"].as_str().unwrap_or("API");
                // Swagger UI asks validator.swagger.io for a badge unless told not to: the page
                // must work with nothing but this server.
                let page = aide::swagger::Swagger::new(path.clone())
                    .with_title(title)
                    .html()
                    .replacen(
                        "\"deepLinking\": true,",
                        "\"deepLinking\": true, \"validatorUrl\": null,",
                        1,
                    );
                let page = axum::body::Bytes::from(page);
                router = router.route(
                    ui,
                    axum::routing::get(move || async move { axum::response::Html(page) }),
                );
            }
        }
        #[cfg(not(feature = "swagger-ui"))]
        let _ = &self.swagger_path;
        router
    }
}

/// Gives each operation without an `operationId` one made of its method and path:
/// `GET /orders/{id}` is `getOrdersById`, `POST /orders` is `postOrders` (a number is added
/// to one that would repeat another). Spec-first tools, client generators and
/// [`super::Routes::operation`] bind by these ids; name one yourself with
/// `op.id("placeOrder")` in `api::post_with`.
fn name_operations(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut taken: std::collections::BTreeSet<String> = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            if operation.contains_key("operationId") || !is_method(method) {
                continue;
            }
            let base = operation_id(method, path);
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{base}{n}");
                n += 1;
            }
            taken.insert(id.clone());
            operation.insert("operationId".into(), Value::String(id));
        }
    }
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// `getOrdersById` for `get` and `/orders/{id}`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, word) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => ("By", name),
            None => ("", segment),
        };
        id.push_str(prefix);
        for part in word
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty())
        {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.push_str(chars.as_str());
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_come_from_method_and_path() {
        assert_eq!(operation_id("get", "/orders/{id}"), "getOrdersById");
        assert_eq!(operation_id("post", "/orders"), "postOrders");
        assert_eq!(operation_id("get", "/"), "get");
        assert_eq!(
            operation_id("delete", "/user-groups/{group_id}/members"),
            "deleteUserGroupsByGroupIdMembers"
        );
        let mut doc = serde_json::json!({ "paths": {
            "/a": { "get": {}, "post": { "operationId": "getA" }, "parameters": [] }
        } });
        name_operations(&mut doc);
        assert_eq!(
            doc["paths"]["/a"]["get"]["operationId"], "getA2",
            "no id repeats another"
        );
        assert_eq!(doc["paths"]["/a"]["post"]["operationId"], "getA");
    }
}
