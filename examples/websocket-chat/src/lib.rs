//! A WebSocket chat on API Gateway: `$connect` stores the connection in DynamoDB,
//! `$disconnect` removes it, and `$default` sends the message to every stored connection,
//! deleting those API Gateway says are gone.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::TryStreamExt as _;
use updraft::contexts::websocket::{Message, Reply, Routes};
use updraft::core::SdkConfig;
use updraft::dynamo::{Dynamo, Model, Table};
use updraft::websocket::WebsocketClients;

/// How long a stored connection lives without a `$disconnect` (API Gateway closes idle
/// connections after 10 minutes and any after 2 hours).
pub const CONNECTION_TTL: Duration = Duration::from_secs(2 * 60 * 60);

/// The table the chat keeps its connections in, unless `CHAT_TABLE` names another.
pub const DEFAULT_TABLE: &str = "ChatConnections";

/// The example's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A DynamoDB call failed.
    #[error(transparent)]
    Dynamo(#[from] updraft::dynamo::Error),
    /// The push failed other than by a gone connection.
    #[error(transparent)]
    Websocket(#[from] updraft::websocket::Error),
}

/// One open connection.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "ChatConnections")]
pub struct Connection {
    /// The connection id.
    #[dynamo(hash)]
    pub id: String,
    /// When it connected.
    #[dynamo(created_at)]
    pub connected_at: Option<SystemTime>,
    /// When DynamoDB may delete it (epoch seconds).
    #[dynamo(ttl)]
    pub expires: Option<i64>,
}

/// The chat's state: its connections table and the AWS configuration pushes use.
#[derive(Debug, Clone)]
pub struct Chat {
    connections: Table<Connection>,
    /// One push client per API stage, built on its first message and reused.
    clients: WebsocketClients,
}

impl Chat {
    /// The chat over `connections`.
    #[must_use]
    pub fn new(config: &SdkConfig, connections: Table<Connection>) -> Self {
        Self {
            connections,
            clients: WebsocketClients::new(config),
        }
    }

    /// The chat over the table `CHAT_TABLE` names in `env` (default [`DEFAULT_TABLE`]).
    #[must_use]
    pub fn from_env(config: &SdkConfig, env: &updraft::core::Env) -> Self {
        let table = env
            .non_empty("CHAT_TABLE")
            .unwrap_or(DEFAULT_TABLE)
            .to_owned();
        Self::new(config, Dynamo::new(config).table_named(table))
    }

    /// The connections table.
    #[must_use]
    pub fn connections(&self) -> &Table<Connection> {
        &self.connections
    }

    /// `$connect`: stores the connection.
    ///
    /// # Errors
    ///
    /// [`Error::Dynamo`].
    pub async fn connect(&self, message: Message) -> Result<Reply, Error> {
        let expires = SystemTime::now()
            .checked_add(CONNECTION_TTL)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let mut connection = Connection {
            id: message.connection.id,
            connected_at: None,
            expires,
        };
        self.connections.save(&mut connection).await?;
        Ok(Reply::ok())
    }

    /// `$disconnect`: forgets the connection.
    ///
    /// # Errors
    ///
    /// [`Error::Dynamo`].
    pub async fn disconnect(&self, message: Message) -> Result<Reply, Error> {
        let _ = self
            .connections
            .delete(message.connection.id.as_str())
            .await?;
        Ok(Reply::ok())
    }

    /// `$default`: sends the message to every stored connection and deletes those that are
    /// gone; answers with how many it reached.
    ///
    /// # Errors
    ///
    /// [`Error::Dynamo`], and [`Error::Websocket`] for an endpoint the event cannot make.
    pub async fn broadcast(&self, message: Message) -> Result<Reply, Error> {
        let text = message.body.unwrap_or_default();
        let ids: Vec<String> = self
            .connections
            .scan()
            .stream()
            .map_ok(|c| c.id)
            .try_collect()
            .await?;
        let push = self.clients.for_request(&message.event)?;
        let connections = &self.connections;
        let report = push
            .broadcast(ids, text)
            .on_gone(|id| async move {
                if let Err(error) = connections.delete(id.as_str()).await {
                    tracing::warn!(%error, connection = %id, "a gone connection could not be deleted");
                }
            })
            .await;
        for (id, error) in report.failed() {
            tracing::warn!(%error, connection = %id, "a message was not delivered");
        }
        let reached = report.sent().count();
        let pruned = report.gone().count();
        Ok(Reply::json(
            &serde_json::json!({"reached": reached, "pruned": pruned}),
        ))
    }

    /// The routes: `$connect`, `$disconnect` and `$default`.
    pub fn routes(self) -> Routes {
        let chat = Arc::new(self);
        let (a, b, c) = (chat.clone(), chat.clone(), chat);
        Routes::new()
            .on("$connect", move |m| {
                let chat = a.clone();
                async move { chat.connect(m).await }
            })
            .on("$disconnect", move |m| {
                let chat = b.clone();
                async move { chat.disconnect(m).await }
            })
            .on("$default", move |m| {
                let chat = c.clone();
                async move { chat.broadcast(m).await }
            })
    }
}
