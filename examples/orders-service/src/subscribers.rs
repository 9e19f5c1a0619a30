//! Websocket subscriptions to an order: the `orders-websocket` function stores them on
//! `$connect`, and the consumer pushes each status change to them, pruning the connections
//! API Gateway says are gone.
//!
//! A client subscribes with `wss://…/live?order=ord-…`, its bearer token in `Authorization` and
//! its state in `constitution-state`, as on the HTTP API. Only the customer who placed the
//! order, in the order's state, may subscribe; anyone else is refused as if the order did not
//! exist.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::TryStreamExt as _;
use updraft::contexts::axum::http::HeaderMap;
use updraft::contexts::http::Verdict;
use updraft::contexts::websocket::{Message, Reply, Routes};
use updraft::core::{Env, SdkConfig};
use updraft::dynamo::auth::TokenStore;
use updraft::dynamo::{Dynamo, Model, Table};
use updraft::websocket::{Payload, WebsocketClient};

use crate::model::Order;
use crate::vars::{ORDERS_TABLE, SUBSCRIPTIONS_TABLE, TOKENS_TABLE, required};

/// How long a subscription lives without being pruned (API Gateway closes any connection
/// after 2 hours).
pub const SUBSCRIPTION_TTL: Duration = Duration::from_secs(2 * 60 * 60);

/// The header that carries the session state, as on the HTTP API.
pub const STATE_HEADER: &str = "constitution-state";

/// One connection subscribed to one order (hash key `order_id`, range key `connection_id`).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "subscriptions")]
pub struct Subscription {
    /// The order.
    #[dynamo(hash)]
    pub order_id: String,
    /// The connection.
    #[dynamo(range)]
    pub connection_id: String,
    /// When DynamoDB may delete it (epoch seconds).
    #[dynamo(ttl)]
    pub expires: Option<i64>,
}

/// The subscriptions table.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    table: Table<Subscription>,
}

/// What a push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pushed {
    /// Connections that got the message.
    pub sent: usize,
    /// Connections that were gone, and were deleted.
    pub pruned: usize,
    /// Connections the message did not reach for another reason (kept, and logged).
    pub failed: usize,
}

impl Subscriptions {
    /// The subscriptions in `table`.
    #[must_use]
    pub fn new(table: Table<Subscription>) -> Self {
        Self { table }
    }

    /// The table.
    #[must_use]
    pub fn table(&self) -> &Table<Subscription> {
        &self.table
    }

    /// Subscribes `connection_id` to `order_id`.
    ///
    /// # Errors
    ///
    /// The DynamoDB error.
    pub async fn add(
        &self,
        order_id: &str,
        connection_id: &str,
    ) -> Result<(), updraft::dynamo::Error> {
        let expires = SystemTime::now()
            .checked_add(SUBSCRIPTION_TTL)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let subscription = Subscription {
            order_id: order_id.to_owned(),
            connection_id: connection_id.to_owned(),
            expires,
        };
        self.table.put(&subscription).await
    }

    /// The connections subscribed to `order_id`.
    ///
    /// # Errors
    ///
    /// The DynamoDB error.
    pub async fn connections(&self, order_id: &str) -> Result<Vec<String>, updraft::dynamo::Error> {
        self.table
            .query(order_id)
            .stream()
            .map_ok(|s| s.connection_id)
            .try_collect()
            .await
    }

    /// Sends `order`'s id and status to each of its subscribers, deleting those that are gone.
    ///
    /// # Errors
    ///
    /// The DynamoDB error of listing the subscribers; a push that fails is counted, not an
    /// error: the order's progress does not depend on who is watching.
    pub async fn push(
        &self,
        client: &WebsocketClient,
        order: &Order,
    ) -> Result<Pushed, updraft::dynamo::Error> {
        let ids = self.connections(&order.id).await?;
        if ids.is_empty() {
            return Ok(Pushed::default());
        }
        let message = serde_json::json!({"order_id": order.id, "status": order.status});
        let payload = Payload::from(message.to_string());
        let table = &self.table;
        let order_id = order.id.as_str();
        let report = client
            .broadcast(ids, payload)
            .on_gone(|connection: String| async move {
                if let Err(error) = table.delete((order_id, connection.as_str())).await {
                    tracing::warn!(%error, %connection, "a gone subscriber could not be deleted");
                }
            })
            .await;
        for (connection, error) in report.failed() {
            tracing::warn!(%error, %connection, "a status change was not delivered");
        }
        Ok(Pushed {
            sent: report.sent().count(),
            pruned: report.gone().count(),
            failed: report.failed().count(),
        })
    }
}

/// The `orders-websocket` function: `$connect` subscribes, `$disconnect` acknowledges (the
/// subscription goes on the next push to it, or with its time to live).
#[derive(Debug, Clone)]
pub struct Subscribe {
    orders: Table<Order>,
    tokens: TokenStore,
    subscriptions: Subscriptions,
}

impl Subscribe {
    /// From `ORDERS_TABLE`, `TOKENS_TABLE` and `SUBSCRIPTIONS_TABLE`.
    ///
    /// # Errors
    ///
    /// A variable that is missing.
    pub fn from_env(config: &SdkConfig, env: &Env) -> Result<Self, updraft::core::Error> {
        let dynamo = Dynamo::new(config);
        Ok(Self {
            orders: dynamo.table_named(required(env, ORDERS_TABLE)?),
            tokens: TokenStore::new(&dynamo, required(env, TOKENS_TABLE)?),
            subscriptions: Subscriptions::new(
                dynamo.table_named(required(env, SUBSCRIPTIONS_TABLE)?),
            ),
        })
    }

    /// `$connect`: 200 and a stored subscription, or 400 (no order named), 401 (no valid
    /// token) or 404 (no such order of this caller in this state).
    ///
    /// # Errors
    ///
    /// A DynamoDB failure (500 or 503, without AWS's text).
    pub async fn connect(&self, message: Message) -> Result<Reply, updraft::dynamo::Error> {
        let event = &message.event;
        let Some(order_id) = event.query_string_parameters.first("order") else {
            return Ok(Reply::status(400));
        };
        let Some(token) = bearer(&event.headers) else {
            return Ok(Reply::status(401));
        };
        let user = match self.tokens.lookup(token, SystemTime::now()).await? {
            Verdict::Allow(user) => user,
            Verdict::Deny(_) => return Ok(Reply::status(403)),
            _ => return Ok(Reply::status(401)),
        };
        let customer = user.get("id").and_then(serde_json::Value::as_str);
        let state = single(&event.headers, STATE_HEADER);
        let mine = match self.orders.get(order_id).await? {
            Some(order) => {
                Some(order.state.as_str()) == state && Some(order.customer.as_str()) == customer
            }
            None => false,
        };
        if !mine {
            return Ok(Reply::status(404));
        }
        self.subscriptions
            .add(order_id, &message.connection.id)
            .await?;
        Ok(Reply::ok())
    }

    /// The routes.
    pub fn routes(self) -> Routes {
        let subscribe = Arc::new(self);
        Routes::new()
            .on("$connect", move |message| {
                let subscribe = subscribe.clone();
                async move { subscribe.connect(message).await }
            })
            .on("$disconnect", |_| async { Ok::<_, String>(Reply::ok()) })
    }
}

/// The value of header `name` when it is there exactly once.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

/// The bearer token of a single `Authorization` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = single(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use updraft::contexts::axum::http::HeaderValue;

    #[test]
    fn only_one_well_formed_bearer_header_counts() {
        let headers = |values: &[&str]| {
            let mut map = HeaderMap::new();
            for value in values {
                map.append("authorization", HeaderValue::from_str(value).unwrap());
            }
            map
        };
        assert_eq!(bearer(&headers(&["Bearer tok-1"])), Some("tok-1"));
        assert_eq!(bearer(&headers(&["bearer  tok-1 "])), Some("tok-1"));
        for refused in [
            &["Basic dXNlcg=="][..],
            &["Bearer"],
            &["Bearer "],
            &["tok-1"],
            &["Bearer a", "Bearer b"],
            &[],
        ] {
            assert_eq!(bearer(&headers(refused)), None, "{refused:?}");
        }
    }
}
