//! [`WebsocketClients`]: one [`WebsocketClient`] per API stage, built on first use and shared.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use aws_types::SdkConfig;

use crate::{Error, WebsocketClient};

/// How many stages the cache remembers; a client for another one is built and not kept.
/// A function serves one API's few stages; the bound only matters for events invoked by hand
/// with made-up domains.
pub const MAX_CACHED_STAGES: usize = 64;

/// The push clients a function needs for the WebSocket events it serves: one per API stage
/// (domain and stage), built on the first event from that stage and reused after. Clones share
/// the cache; keep one in your state.
///
/// ```no_run
/// use updraft_websocket::WebsocketClients;
/// # async fn handle(clients: &WebsocketClients, event: &aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest) -> Result<(), updraft_websocket::Error> {
/// let push = clients.for_request(event)?; // the stage this event came from
/// let id = event.request_context.connection_id.as_deref().unwrap_or_default();
/// push.send(id, "welcome").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WebsocketClients {
    config: SdkConfig,
    cache: Arc<Mutex<HashMap<(String, String), WebsocketClient>>>,
}

impl WebsocketClients {
    /// Clients with the credentials and region of `config`.
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            config: config.clone(),
            cache: Arc::default(),
        }
    }

    /// The client for the stage a WebSocket event came from: its `requestContext.domainName`
    /// and `stage`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] when the event has no domain or stage, or a malformed one.
    pub fn for_request(
        &self,
        event: &ApiGatewayWebsocketProxyRequest,
    ) -> Result<WebsocketClient, Error> {
        let context = &event.request_context;
        let missing = |what: &str| Error::InvalidEndpoint(format!("the event has no {what}"));
        let domain = context
            .domain_name
            .as_deref()
            .ok_or_else(|| missing("requestContext.domainName"))?;
        let stage = context
            .stage
            .as_deref()
            .ok_or_else(|| missing("requestContext.stage"))?;
        self.for_connection(domain, stage)
    }

    /// The client for the stage at `domain` (see [`crate::Endpoint::for_connection`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for a malformed domain or stage.
    pub fn for_connection(&self, domain: &str, stage: &str) -> Result<WebsocketClient, Error> {
        let key = (domain.to_owned(), stage.to_owned());
        if let Some(client) = self.lock().get(&key) {
            return Ok(client.clone());
        }
        // Built outside the lock: making a client reads the configuration, and two first
        // events of one stage at once would only build it twice.
        let client = WebsocketClient::for_connection(&self.config, domain, stage)?;
        let mut cache = self.lock();
        if cache.len() < MAX_CACHED_STAGES {
            cache.entry(key).or_insert_with(|| client.clone());
        }
        Ok(client)
    }

    /// How many stages have a client.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no stage has a client yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), WebsocketClient>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
