//! The `orders-consumer` function: one SQS record per `OrderCreated`, each run once per order
//! (idempotency keyed by `order_id`), under the session the API published it with.
//!
//! For each order: the tax from the `pricing` function, a signature with the key from Secrets
//! Manager, a row in PostgreSQL (through an RDS IAM pool), `confirmed` in DynamoDB, metrics, a
//! Fargate report task when the order is large, and each status change pushed to the order's
//! websocket subscribers.

use std::sync::Arc;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use updraft::contexts::sqs::Record;
use updraft::core::{Env, SdkConfig, Session};
use updraft::dynamo::{Dynamo, Table};
use updraft::fargate::Executor;
use updraft::idempotency::Idempotency;
use updraft::idempotency::sqs::RecordKey;
use updraft::invoke::LambdaInvoker;
use updraft::metrics::{self, Unit};
use updraft::rds_iam_auth::sqlx::{self, Postgres};
use updraft::rds_iam_auth::{PoolBuilder, RdsPool};
use updraft::secrets::{Cache, Provider as _, SecretsManager};
use updraft::websocket::{Endpoint, WebsocketClient};

use crate::Failure;
use crate::model::{Order, OrderCreated, Tax, TaxRequest, status};
use crate::subscribers::Subscriptions;
use crate::vars::{
    DEFAULT_LARGE_ORDER_CENTS, LARGE_ORDER_CENTS, ORDER_ID, ORDERS_TABLE, PRICING_FUNCTION,
    SIGNING_SECRET, SUBSCRIPTIONS_TABLE, WEBSOCKET_DOMAIN, WEBSOCKET_STAGE, required,
};

/// The task definition (and, locally, the binary) of the report.
pub const REPORT_TASK: &str = "orders-report";

/// Why a record failed. SQS delivers it again; after the queue's `maxReceiveCount` it goes to
/// the dead-letter queue.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The message names an order that is not in the table.
    #[error("order {0} does not exist")]
    NoSuchOrder(String),
    /// The message's session is not the order's state: it is not run.
    #[error("order {0} belongs to another state than the message's session")]
    WrongState(String),
    /// A DynamoDB call failed.
    #[error("dynamodb: {0}")]
    Dynamo(#[from] updraft::dynamo::Error),
    /// The pricing function failed.
    #[error("pricing: {0}")]
    Pricing(#[from] updraft::invoke::Error),
    /// The signing key could not be read.
    #[error("signing key: {0}")]
    Secret(#[from] updraft::secrets::Error),
    /// PostgreSQL refused the row.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// The report task did not start.
    #[error("report task: {0}")]
    Report(#[from] updraft::fargate::Error),
    /// The signing secret is empty.
    #[error("the signing key is empty")]
    EmptyKey,
}

/// The future of the record handler [`Consumer::handler`] returns.
pub type RecordFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<(), updraft::idempotency::Error<Error>>> + Send>>;

/// What the consumer holds, built once per process.
#[derive(Debug)]
pub struct Consumer {
    orders: Table<Order>,
    lambda: LambdaInvoker,
    pricing: String,
    secrets: Cache<SecretsManager>,
    signing_secret: String,
    db: RdsPool<Postgres>,
    executor: Executor,
    large_order_cents: u64,
    subscriptions: Subscriptions,
    push: Option<WebsocketClient>,
}

impl Consumer {
    /// From the environment: `ORDERS_TABLE`, `SUBSCRIPTIONS_TABLE`, `PRICING_FUNCTION`,
    /// `SIGNING_SECRET`, `LARGE_ORDER_CENTS`, `WEBSOCKET_DOMAIN` and `WEBSOCKET_STAGE` (no
    /// pushes without them), the pool's `db_*` and the executor's `ECS_*`. Creates the
    /// `orders` table in PostgreSQL when it is missing.
    ///
    /// # Errors
    ///
    /// A variable missing or malformed, or a database that cannot be reached.
    pub async fn from_env(config: &SdkConfig, env: &Env) -> Result<Self, Failure> {
        let dynamo = Dynamo::new(config);
        let large_order_cents = match env.non_empty(LARGE_ORDER_CENTS) {
            Some(text) => text
                .trim()
                .parse()
                .map_err(|e| format!("{LARGE_ORDER_CENTS} is not a number of cents: {e}"))?,
            None => DEFAULT_LARGE_ORDER_CENTS,
        };
        let push = match (
            env.non_empty(WEBSOCKET_DOMAIN),
            env.non_empty(WEBSOCKET_STAGE),
        ) {
            (Some(domain), Some(stage)) => Some(WebsocketClient::new(
                config,
                &Endpoint::stage(domain, stage)?,
            )),
            _ => None,
        };
        let consumer = Self {
            orders: dynamo.table_named(required(env, ORDERS_TABLE)?),
            lambda: LambdaInvoker::new(config),
            pricing: required(env, PRICING_FUNCTION)?,
            secrets: Cache::from_env(SecretsManager::new(config), env)?,
            signing_secret: required(env, SIGNING_SECRET)?,
            db: PoolBuilder::from_env(env)?
                .max_connections(4)
                .postgres(config)
                .await?,
            executor: Executor::from_env(config, env)?,
            large_order_cents,
            subscriptions: Subscriptions::new(
                dynamo.table_named(required(env, SUBSCRIPTIONS_TABLE)?),
            ),
            push,
        };
        sqlx::query(
            "create table if not exists orders (\
               id text primary key, state text not null, customer text not null, \
               total_cents bigint not null, tax_cents bigint not null, signature text not null, \
               stored_at timestamptz not null default now())",
        )
        .execute(&*consumer.db)
        .await?;
        Ok(consumer)
    }

    /// The record handler, each order run once: a second message for the same order (SNS
    /// and SQS deliver at least once) succeeds without running again.
    pub fn handler(
        self,
        idempotency: &Idempotency,
    ) -> impl Fn(Record<OrderCreated>) -> RecordFuture + Send + Sync + 'static {
        let consumer = Arc::new(self);
        idempotency.sqs(
            "confirm-order",
            RecordKey::Fields(vec!["order_id".into()]),
            move |record: Record<OrderCreated>| {
                let consumer = consumer.clone();
                async move { consumer.confirm(&record.body).await }
            },
        )
    }

    /// Confirms one order; see the module docs. Each step can run again without a second
    /// effect: the row is inserted once, the status only moves forward, the report task is
    /// launched once (and with the order id as its client token).
    ///
    /// # Errors
    ///
    /// [`Error`]: the record fails and comes back.
    pub async fn confirm(&self, created: &OrderCreated) -> Result<(), Error> {
        let id = created.order_id.as_str();
        let order = self.current(id).await?;
        let state = Session::current().and_then(|s| s.state);
        if state.as_deref() != Some(order.state.as_str()) {
            return Err(Error::WrongState(id.to_owned()));
        }
        let tax: Tax = self
            .lambda
            .invoke(
                self.pricing.as_str(),
                &TaxRequest {
                    total_cents: order.total_cents,
                },
            )
            .await?;
        let signature = self.sign(&order, tax.tax_cents).await?;
        sqlx::query(
            "insert into orders (id, state, customer, total_cents, tax_cents, signature) \
             values ($1, $2, $3, $4, $5, $6) on conflict (id) do nothing",
        )
        .bind(&order.id)
        .bind(&order.state)
        .bind(&order.customer)
        .bind(i64::try_from(order.total_cents).unwrap_or(i64::MAX))
        .bind(i64::try_from(tax.tax_cents).unwrap_or(i64::MAX))
        .bind(&signature)
        .execute(&*self.db)
        .await?;
        // The status only moves forward: an earlier attempt that got further (the record
        // came back after a crash) is not undone.
        let fields = Order::fields();
        let confirmed = self
            .orders
            .update(
                id,
                fields.tax_cents().set(tax.tax_cents) & fields.status().set(status::CONFIRMED),
            )
            .condition(fields.status().eq(status::RECEIVED))
            .await;
        let mut order = match confirmed {
            Ok(order) => {
                metrics::add("OrdersConfirmed", Unit::Count, 1.0);
                #[allow(
                    clippy::cast_precision_loss,
                    reason = "a metric value; cents below 2^53"
                )]
                metrics::add("OrderValueCents", Unit::None, order.total_cents as f64);
                self.announce(&order).await;
                order
            }
            Err(updraft::dynamo::Error::ConditionFailed { .. }) => self.current(id).await?,
            Err(other) => return Err(other.into()),
        };
        if order.total_cents >= self.large_order_cents && order.report_task.is_none() {
            // The order id is the client token: a retried launch starts no second task.
            let arn = self
                .executor
                .run_with_token(REPORT_TASK, [(ORDER_ID, id)], id)
                .await?;
            let reporting = self
                .orders
                .update(
                    id,
                    fields.report_task().set(arn.as_str()) & fields.status().set(status::REPORTING),
                )
                // The task may already have finished and written `reported`.
                .condition(fields.status().eq(status::CONFIRMED))
                .await;
            order = match reporting {
                Ok(order) => order,
                Err(updraft::dynamo::Error::ConditionFailed { .. }) => self.current(id).await?,
                Err(other) => return Err(other.into()),
            };
            metrics::add("ReportsLaunched", Unit::Count, 1.0);
            self.announce(&order).await;
        }
        tracing::info!(order = %id, tax_cents = tax.tax_cents, status = %order.status, "order confirmed");
        Ok(())
    }

    /// The order as it is now.
    async fn current(&self, id: &str) -> Result<Order, Error> {
        self.orders
            .get(id)
            .consistent()
            .await?
            .ok_or_else(|| Error::NoSuchOrder(id.to_owned()))
    }

    /// The hex HMAC-SHA256 of the order's id, state, total and tax, keyed by the signing secret.
    async fn sign(&self, order: &Order, tax_cents: u64) -> Result<String, Error> {
        let key = self.secrets.get(self.signing_secret.as_str()).await?;
        let key = key.expose()?;
        if key.is_empty() {
            return Err(Error::EmptyKey);
        }
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|_| Error::EmptyKey)?;
        mac.update(
            format!(
                "{}|{}|{}|{tax_cents}",
                order.id, order.state, order.total_cents
            )
            .as_bytes(),
        );
        Ok(updraft::core::digest::hex(&mac.finalize().into_bytes()))
    }

    /// Pushes the order's status to its subscribers; a failure is logged, never the record's.
    async fn announce(&self, order: &Order) {
        let Some(client) = &self.push else {
            return;
        };
        match self.subscriptions.push(client, order).await {
            Ok(pushed) => {
                tracing::info!(order = %order.id, status = %order.status, sent = pushed.sent, pruned = pushed.pruned, "status pushed");
            }
            Err(error) => {
                tracing::warn!(order = %order.id, %error, "subscribers could not be listed");
            }
        }
    }
}
