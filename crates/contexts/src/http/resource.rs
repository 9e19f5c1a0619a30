//! REST resources by convention, as aws-python-helper routes them.
//!
//! Implement the operations a [`Resource`] supports; [`Mount`] routes them:
//!
//! | request | operation |
//! |---|---|
//! | `GET /users` | [`Resource::list`] |
//! | `POST /users` | [`Resource::create`] |
//! | `GET /users/{id}` | [`Resource::get`] |
//! | `PUT /users/{id}` | [`Resource::update`] |
//! | `DELETE /users/{id}` | [`Resource::delete`] |
//!
//! An operation left unimplemented answers 405. A child resource nests under the item path,
//! with its own id named after it: `/users/{id}/posts/{post_id}`; the child reads the parent's
//! id with [`ResourceRequest::param`].
//!
//! # Example
//!
//! ```
//! use axum::{Json, response::{IntoResponse, Response}};
//! use updraft_contexts::http::ApiResult;
//! use updraft_contexts::http::resource::{Mount, Resource, ResourceRequest};
//!
//! struct Users;
//!
//! impl Resource for Users {
//!     async fn get(&self, id: String, _request: ResourceRequest) -> ApiResult<Response> {
//!         Ok(Json(serde_json::json!({ "id": id })).into_response())
//!     }
//! }
//!
//! struct Posts;
//!
//! impl Resource for Posts {
//!     async fn list(&self, request: ResourceRequest) -> ApiResult<Response> {
//!         let user = request.param("id").unwrap_or_default();
//!         Ok(Json(serde_json::json!({ "user": user, "posts": [] })).into_response())
//!     }
//! }
//!
//! let router: axum::Router = Mount::new("users", Users).child(Mount::new("posts", Posts)).into_router();
//! ```

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts as _, Request};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use bytes::Bytes;
use garde::Validate;
use http::HeaderMap;
use http::request::Parts;
use serde::de::DeserializeOwned;
use updraft_core::Session;

use super::extract::{Rejection, parse_json, parse_query, require_json};
use super::problem::{ApiError, ApiResult};

/// A REST resource; every operation defaults to 405 Method Not Allowed.
pub trait Resource: Send + Sync + 'static {
    /// `GET /name`.
    fn list(&self, request: ResourceRequest) -> impl Future<Output = ApiResult<Response>> + Send {
        let _ = request;
        async { Err(ApiError::method_not_allowed()) }
    }

    /// `GET /name/{id}`.
    fn get(
        &self,
        id: String,
        request: ResourceRequest,
    ) -> impl Future<Output = ApiResult<Response>> + Send {
        let _ = (id, request);
        async { Err(ApiError::method_not_allowed()) }
    }

    /// `POST /name`.
    fn create(&self, request: ResourceRequest) -> impl Future<Output = ApiResult<Response>> + Send {
        let _ = request;
        async { Err(ApiError::method_not_allowed()) }
    }

    /// `PUT /name/{id}`.
    fn update(
        &self,
        id: String,
        request: ResourceRequest,
    ) -> impl Future<Output = ApiResult<Response>> + Send {
        let _ = (id, request);
        async { Err(ApiError::method_not_allowed()) }
    }

    /// `DELETE /name/{id}`.
    fn delete(
        &self,
        id: String,
        request: ResourceRequest,
    ) -> impl Future<Output = ApiResult<Response>> + Send {
        let _ = (id, request);
        async { Err(ApiError::method_not_allowed()) }
    }
}

/// What an operation receives: the path parameters, query, headers, body and session.
#[derive(Debug)]
pub struct ResourceRequest {
    parts: Parts,
    params: Vec<(String, String)>,
    body: Bytes,
}

impl ResourceRequest {
    /// A path parameter: `id` for the top resource, `post_id` for a child named `posts`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The query string, deserialized and validated exactly as [`super::ValidQuery`] does it.
    ///
    /// # Errors
    ///
    /// 400 naming the fields at fault.
    pub fn query<T>(&self) -> ApiResult<T>
    where
        T: DeserializeOwned + Validate,
        T::Context: Default,
    {
        parse_query(self.parts.uri.query().unwrap_or_default())
    }

    /// The JSON body, deserialized and validated exactly as [`super::ValidJson`] does it.
    ///
    /// # Errors
    ///
    /// 415 for another content type, 400 for malformed JSON or broken rules.
    pub fn json<T>(&self) -> ApiResult<T>
    where
        T: DeserializeOwned + Validate,
        T::Context: Default,
    {
        require_json(&self.parts.headers)?;
        parse_json(&self.body)
    }

    /// The request headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The raw body.
    #[must_use]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request's session, as [`super::CurrentSession`] gives it.
    #[must_use]
    pub fn session(&self) -> Session {
        super::CurrentSession::of(&self.parts)
    }
}

impl<S: Send + Sync> FromRequest<S> for ResourceRequest {
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let (mut parts, body) = request.into_parts();
        let params = match axum::extract::RawPathParams::from_request_parts(&mut parts, state).await
        {
            Ok(raw) => raw
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            Err(_) => Vec::new(),
        };
        let body = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        Ok(Self {
            parts,
            params,
            body,
        })
    }
}

/// Builds the collection and item routes of a resource, given the id parameter's name.
type RouteBuilder = Box<dyn FnOnce(&str) -> (MethodRouter, MethodRouter) + Send>;

/// A resource mounted at a path segment, with its children.
#[must_use]
pub struct Mount {
    name: String,
    id_param: Option<String>,
    routes: RouteBuilder,
    children: Vec<Mount>,
}

impl std::fmt::Debug for Mount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mount")
            .field("name", &self.name)
            .field("children", &self.children)
            .finish_non_exhaustive()
    }
}

impl Mount {
    /// Mounts `resource` at `/name`.
    pub fn new<R: Resource>(name: impl Into<String>, resource: R) -> Self {
        let resource = Arc::new(resource);
        Self {
            name: name.into().trim_matches('/').to_owned(),
            id_param: None,
            routes: Box::new(move |id_param| {
                let id_param = id_param.to_owned();
                let (list, create) = (resource.clone(), resource.clone());
                let (read, update, delete) = (resource.clone(), resource.clone(), resource);
                let (p1, p2, p3) = (id_param.clone(), id_param.clone(), id_param);
                let collection = get(move |request: ResourceRequest| async move {
                    respond(list.list(request).await)
                })
                .post(move |request: ResourceRequest| async move {
                    respond(create.create(request).await)
                });
                let item = get(move |request: ResourceRequest| async move {
                    let id = request.param(&p1).unwrap_or_default().to_owned();
                    respond(read.get(id, request).await)
                })
                .put(move |request: ResourceRequest| async move {
                    let id = request.param(&p2).unwrap_or_default().to_owned();
                    respond(update.update(id, request).await)
                })
                .delete(move |request: ResourceRequest| async move {
                    let id = request.param(&p3).unwrap_or_default().to_owned();
                    respond(delete.delete(id, request).await)
                });
                (collection, item)
            }),
            children: Vec::new(),
        }
    }

    /// Names the id path parameter, instead of `id` (top level) or `<singular>_id` (child).
    pub fn id_param(mut self, name: impl Into<String>) -> Self {
        self.id_param = Some(name.into());
        self
    }

    /// Nests `child` under this resource's item path.
    pub fn child(mut self, child: Mount) -> Self {
        self.children.push(child);
        self
    }

    /// The routes of this resource and its children.
    pub fn into_router(self) -> Router {
        self.mount(Router::new(), "", 0)
    }

    fn mount(self, mut router: Router, prefix: &str, depth: usize) -> Router {
        let id_param = self.id_param.unwrap_or_else(|| {
            if depth == 0 {
                "id".to_owned()
            } else {
                format!("{}_id", singular(&self.name))
            }
        });
        let collection = format!("{prefix}/{}", self.name);
        let item = format!("{collection}/{{{id_param}}}");
        let (collection_routes, item_routes) = (self.routes)(&id_param);
        router = router
            .route(&collection, collection_routes)
            .route(&item, item_routes);
        for child in self.children {
            router = child.mount(router, &item, depth + 1);
        }
        router
    }
}

fn respond(result: ApiResult<Response>) -> Response {
    result.unwrap_or_else(axum::response::IntoResponse::into_response)
}

/// `posts` → `post`, `categories` → `category`.
fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix('s') {
        stem.to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        assert_eq!(singular("posts"), "post");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("staff"), "staff");
    }
}
