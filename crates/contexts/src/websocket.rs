//! API Gateway WebSocket routes: dispatch on `requestContext.routeKey` (`$connect`,
//! `$disconnect`, `$default` and your own keys) to handlers that get the [`Connection`]: the id,
//! domain and stage that `updraft-websocket` needs to push messages back.
//!
//! # Example
//!
//! ```no_run
//! use updraft_contexts::HandlerResult;
//! use updraft_contexts::websocket::{Message, Reply, Routes};
//!
//! async fn connect(message: Message) -> HandlerResult<Reply> {
//!     tracing::info!(connection = %message.connection.id, "connected");
//!     Ok(Reply::ok())
//! }
//!
//! async fn echo(message: Message) -> HandlerResult<Reply> {
//!     Ok(Reply::text(message.body.unwrap_or_default()))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), updraft_contexts::Error> {
//!     Routes::new().on("$connect", connect).on("$default", echo).run().await
//! }
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use http::{HeaderMap, HeaderValue, header};
use lambda_runtime::LambdaEvent;
use tracing::Instrument;
use updraft_core::Env;

use crate::Error;
use crate::lambda::catch_panic;

/// The connection a websocket event belongs to: what a push back to the client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connection {
    /// The connection id.
    pub id: String,
    /// The API's domain name (the execute-api host or a custom domain).
    pub domain_name: String,
    /// The stage (`$default` or a name).
    pub stage: String,
    /// The API id.
    pub api_id: Option<String>,
}

/// One websocket event, as a handler receives it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Message {
    /// The connection.
    pub connection: Connection,
    /// The route key that matched (`$connect`, `$default`, `sendmessage`, …).
    pub route_key: String,
    /// The message body, for message routes.
    pub body: Option<String>,
    /// The whole event, for anything else (headers of `$connect`, the authorizer context).
    pub event: ApiGatewayWebsocketProxyRequest,
}

/// What a route answers. API Gateway sends the body back to the client only on routes with
/// a route response; `$connect` fails the connection for a status other than 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    status: u16,
    body: Option<String>,
    json: bool,
}

impl Reply {
    /// 200 without a body.
    #[must_use]
    pub fn ok() -> Self {
        Self::status(200)
    }

    /// Any status without a body.
    #[must_use]
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: None,
            json: false,
        }
    }

    /// 200 with a text body.
    #[must_use]
    pub fn text(body: impl Into<String>) -> Self {
        Self {
            status: 200,
            body: Some(body.into()),
            json: false,
        }
    }

    /// 200 with a JSON body.
    #[must_use]
    pub fn json(body: &serde_json::Value) -> Self {
        Self {
            status: 200,
            body: Some(body.to_string()),
            json: true,
        }
    }

    fn into_event(self) -> ApiGatewayProxyResponse {
        let mut response = ApiGatewayProxyResponse::default();
        response.status_code = i64::from(self.status);
        response.body = self.body.map(Body::Text);
        if self.json {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response.multi_value_headers = headers;
        }
        response
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Reply, String>> + Send>>;
type Handler = Arc<dyn Fn(Message) -> BoxFuture + Send + Sync>;

/// The routes of a websocket API; see the module docs.
#[derive(Clone, Default)]
#[must_use]
pub struct Routes {
    routes: HashMap<String, Handler>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<&String> = self.routes.keys().collect();
        keys.sort();
        f.debug_struct("Routes").field("keys", &keys).finish()
    }
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `route_key` (`$connect`, `$disconnect`, `$default` or a custom key) to `handler`.
    pub fn on<H, Fut, E>(mut self, route_key: impl Into<String>, handler: H) -> Self
    where
        H: Fn(Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, E>> + Send + 'static,
        E: Display,
    {
        let handler: Handler = Arc::new(move |message| {
            let future = handler(message);
            Box::pin(async move { future.await.map_err(|e| e.to_string()) })
        });
        self.routes.insert(route_key.into(), handler);
        self
    }

    /// Answers one event.
    ///
    /// A handler's error or panic answers 500 with a stable message and the request id; the
    /// error itself goes to the log, never to the client (it may hold AWS error text, an ARN
    /// or a resource name).
    pub async fn dispatch(
        &self,
        event: ApiGatewayWebsocketProxyRequest,
    ) -> ApiGatewayProxyResponse {
        let request_id = event.request_context.request_id.clone();
        self.answer(event, request_id.as_deref()).await
    }

    async fn answer(
        &self,
        event: ApiGatewayWebsocketProxyRequest,
        request_id: Option<&str>,
    ) -> ApiGatewayProxyResponse {
        let context = &event.request_context;
        let route_key = context.route_key.clone().unwrap_or_default();
        let Some(id) = context.connection_id.clone().filter(|id| !id.is_empty()) else {
            return error(400, "the event has no connection id", request_id);
        };
        let connection = Connection {
            id,
            domain_name: context.domain_name.clone().unwrap_or_default(),
            stage: context.stage.clone().unwrap_or_default(),
            api_id: context.apiid.clone(),
        };
        let Some(handler) = self
            .routes
            .get(&route_key)
            .or_else(|| self.routes.get("$default"))
        else {
            tracing::warn!(route_key = %route_key, "no websocket route for this key");
            return error(404, "no route for this message", request_id);
        };
        let message = Message {
            connection,
            route_key,
            body: event.body.clone(),
            event,
        };
        match catch_panic(handler(message)).await {
            Ok(Ok(reply)) => reply.into_event(),
            Ok(Err(reason)) => {
                tracing::error!(reason = %reason, "a websocket route failed");
                error(500, "internal server error", request_id)
            }
            Err(panic) => {
                tracing::error!(panic = %panic, "a websocket route panicked");
                error(500, "internal server error", request_id)
            }
        }
    }

    /// Serves the routes in Lambda, or once on an event from the command line.
    ///
    /// # Errors
    ///
    /// See [`crate::cli::run_once`] and [`crate::lambda::serve`].
    pub async fn run(self) -> Result<(), Error> {
        crate::cli::run_event_context(self, &Env::load()?).await
    }
}

fn error(status: u16, message: &str, request_id: Option<&str>) -> ApiGatewayProxyResponse {
    let mut body = serde_json::json!({ "message": message });
    if let Some(id) = request_id {
        body["request_id"] = serde_json::Value::from(id);
    }
    Reply {
        status,
        body: Some(body.to_string()),
        json: true,
    }
    .into_event()
}

impl tower::Service<LambdaEvent<ApiGatewayWebsocketProxyRequest>> for Routes {
    type Response = ApiGatewayProxyResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<ApiGatewayProxyResponse, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<ApiGatewayWebsocketProxyRequest>) -> Self::Future {
        let routes = self.clone();
        let span = crate::logging::invocation_span("websocket", &event.context);
        let LambdaEvent { payload, context } = event;
        Box::pin(
            async move { Ok(routes.answer(payload, Some(&context.request_id)).await) }
                .instrument(span),
        )
    }
}
