//! The service on the local servers (`cargo xtask servers start`), for `orders-demo` and the
//! integration test: [`Stack`] creates what the SAM template would (tables, topic, queue and
//! dead-letter queue, secret, the state in MongoDB, a bearer token), [`Functions`] runs the
//! function binaries as processes, [`Caller`] calls the API as a client does.
//!
//! Names end in a per-run suffix, so runs never share a table or a queue.

mod caller;
mod functions;
mod inspect;

pub use caller::Caller;
pub use functions::{Functions, connect_event};
pub use inspect::StoredOrder;

use std::time::{Duration, UNIX_EPOCH};

use updraft::contexts::aws_sdk_sqs;
use updraft::contexts::aws_sdk_sqs::types::QueueAttributeName;
use updraft::core::{Env, SdkConfig};
use updraft::dynamo::auth::TokenStore;
use updraft::dynamo::{Capacity, Dynamo, Table};
use updraft::idempotency::Idempotency;
use updraft::mongo_repo::Mongo;
use updraft::mongo_repo::bson::{Document, doc};
use updraft::secrets::aws_sdk_secretsmanager;
use updraft::sns::aws_sdk_sns;

use crate::Failure;
use crate::model::Order;
use crate::subscribers::Subscription;
use crate::vars;

/// The local resources of one run, and the variables that point the functions at them. Its
/// `Debug` shows neither the token nor any variable's value (one is the database password).
#[derive(Clone)]
pub struct Stack {
    /// The run's suffix.
    pub run: String,
    /// The session state the run's orders belong to (an active state in MongoDB).
    pub state: String,
    /// A bearer token of the customer `ann`.
    pub token: String,
    /// The orders table.
    pub orders: Table<Order>,
    /// The subscriptions table.
    pub subscriptions: Table<Subscription>,
    /// The topic's ARN.
    pub topic_arn: String,
    /// The queue's URL.
    pub queue_url: String,
    /// The dead-letter queue's URL.
    pub dlq_url: String,
    /// The signing secret's name.
    pub secret: String,
    vars: Vec<(String, String)>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("run", &self.run)
            .field("state", &self.state)
            .field("token", &"[REDACTED]")
            .field("queue_url", &self.queue_url)
            .field(
                "vars",
                &self.vars.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// How many receives a message gets before it goes to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 2;

/// The queue's visibility timeout, short so that a failed message comes back quickly.
pub const VISIBILITY: Duration = Duration::from_secs(2);

impl Stack {
    /// Creates everything on the servers `config` and `servers` point at (`DATABASE_URL`,
    /// `UPDRAFT_PG_CA_CERT` and `MONGODB_URI` come from `servers`).
    ///
    /// # Errors
    ///
    /// The first call that fails, or a servers' variable that is missing.
    pub async fn create(config: &SdkConfig, servers: &Env) -> Result<Self, Failure> {
        let run = format!(
            "{}-{}",
            std::process::id(),
            UNIX_EPOCH.elapsed()?.as_millis()
        );
        let state = "ohio".to_owned();
        let dynamo = Dynamo::new(config);
        let orders: Table<Order> = dynamo.table_named(format!("orders-{run}"));
        let subscriptions: Table<Subscription> = dynamo.table_named(format!("subscriptions-{run}"));
        let tokens = TokenStore::new(&dynamo, format!("tokens-{run}"));
        let idempotency = Idempotency::new(&dynamo, format!("idempotency-{run}"));
        orders.create(Capacity::OnDemand).await?;
        subscriptions.create(Capacity::OnDemand).await?;
        tokens.create_table(Capacity::OnDemand).await?;
        idempotency.create_table_if_missing().await?;
        let token = format!("tok-{:032x}", fastrand::u128(..));
        tokens
            .issue(&token, &serde_json::json!({"id": "ann"}), None)
            .await?;

        let (topic_arn, queue_url, dlq_url) = bus(config, &run).await?;
        let secret = format!("orders/{run}/signing-key");
        aws_sdk_secretsmanager::Client::new(config)
            .create_secret()
            .name(&secret)
            .secret_string(format!("{:032x}", fastrand::u128(..)))
            .send()
            .await?;
        // The repositories write only into active states.
        Mongo::from_env(servers)
            .await?
            .db("core")
            .collection::<Document>("states")
            .update_one(
                doc! {"name": &state},
                doc! {"$set": {"name": &state, "is_active": true}},
            )
            .upsert(true)
            .await?;

        let mut vars = vec![
            (vars::ORDERS_TABLE, orders.name().to_owned()),
            (vars::SUBSCRIPTIONS_TABLE, subscriptions.name().to_owned()),
            (vars::TOKENS_TABLE, format!("tokens-{run}")),
            ("IDEMPOTENCY_TABLE", idempotency.table_name().to_owned()),
            (vars::ORDERS_TOPIC_ARN, topic_arn.clone()),
            (vars::SIGNING_SECRET, secret.clone()),
            (vars::PRICING_FUNCTION, "orders-pricing".to_owned()),
            (vars::WEBSOCKET_DOMAIN, "ws.orders.local".to_owned()),
            (vars::WEBSOCKET_STAGE, "$default".to_owned()),
            (vars::LARGE_ORDER_CENTS, "100000".to_owned()),
            ("UPDRAFT_FARGATE_LOCAL", "true".to_owned()),
            ("UPDRAFT_METRICS_NAMESPACE", "Orders".to_owned()),
            ("UPDRAFT_SERVICE_NAME", "orders".to_owned()),
            ("UPDRAFT_SQS_QUEUE_URL", queue_url.clone()),
            (
                "UPDRAFT_SQS_VISIBILITY",
                format!("{}s", VISIBILITY.as_secs()),
            ),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
        ];
        vars.extend(database_vars(servers)?);
        Ok(Self {
            run,
            state,
            token,
            orders,
            subscriptions,
            topic_arn,
            queue_url,
            dlq_url,
            secret,
            vars: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })
    }

    /// The variables every function gets (on top of the servers').
    #[must_use]
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// Sets variable `name` for every function started after this (a test points one client
    /// at a proxy this way).
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    /// How many messages the dead-letter queue holds.
    ///
    /// # Errors
    ///
    /// The SQS error.
    pub async fn dead_letters(&self, config: &SdkConfig) -> Result<usize, Failure> {
        let answer = aws_sdk_sqs::Client::new(config)
            .get_queue_attributes()
            .queue_url(&self.dlq_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await?;
        let count = answer
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::ApproximateNumberOfMessages))
            .unwrap_or_default();
        Ok(count.parse()?)
    }

    /// Deletes the tables, the queues, the topic and the secret.
    ///
    /// # Errors
    ///
    /// The first call that fails.
    pub async fn delete(&self, config: &SdkConfig) -> Result<(), Failure> {
        let dynamo = Dynamo::new(config);
        self.orders.drop_table().await?;
        self.subscriptions.drop_table().await?;
        for name in ["tokens", "idempotency"] {
            dynamo
                .sdk()
                .delete_table()
                .table_name(format!("{name}-{}", self.run))
                .send()
                .await?;
        }
        let sqs = aws_sdk_sqs::Client::new(config);
        for url in [&self.queue_url, &self.dlq_url] {
            sqs.delete_queue().queue_url(url).send().await?;
        }
        aws_sdk_sns::Client::new(config)
            .delete_topic()
            .topic_arn(&self.topic_arn)
            .send()
            .await?;
        aws_sdk_secretsmanager::Client::new(config)
            .delete_secret()
            .secret_id(&self.secret)
            .force_delete_without_recovery(true)
            .send()
            .await?;
        Ok(())
    }
}

/// The topic, the queue subscribed to it (envelope delivery, as the template's subscription)
/// and its dead-letter queue.
async fn bus(config: &SdkConfig, run: &str) -> Result<(String, String, String), Failure> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let sns = aws_sdk_sns::Client::new(config);
    let topic_arn = sns
        .create_topic()
        .name(format!("orders-{run}"))
        .send()
        .await?
        .topic_arn
        .unwrap_or_default();
    let dlq_url = sqs
        .create_queue()
        .queue_name(format!("orders-dlq-{run}"))
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let dlq_arn = queue_arn(&sqs, &dlq_url).await?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVE_COUNT.to_string(),
    });
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("orders-{run}"))
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            VISIBILITY.as_secs().to_string(),
        )
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let arn = queue_arn(&sqs, &queue_url).await?;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(QueueAttributeName::Policy, policy.to_string())
        .send()
        .await?;
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(arn)
        .send()
        .await?;
    Ok((topic_arn, queue_url, dlq_url))
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, Failure> {
    let answer = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?;
    answer
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| format!("the queue {url} has no ARN").into())
}

/// The pool's variables in password mode, from the servers' `DATABASE_URL`
/// (`postgres://user:password@host:port/database`).
fn database_vars(servers: &Env) -> Result<Vec<(&'static str, String)>, Failure> {
    let url = servers.require("DATABASE_URL")?;
    let rest = url
        .strip_prefix("postgres://")
        .ok_or("DATABASE_URL is not a postgres:// URL")?;
    let (credentials, location) = rest.split_once('@').ok_or("DATABASE_URL has no user")?;
    let (user, password) = credentials
        .split_once(':')
        .ok_or("DATABASE_URL has no password")?;
    let (endpoint, database) = location.split_once('/').unwrap_or((location, "postgres"));
    Ok(vec![
        ("db_endpoint", endpoint.to_owned()),
        ("db_username", user.to_owned()),
        ("db_password", password.to_owned()),
        ("db_database", database.to_owned()),
        (
            "ssl_ca_bundle_filename",
            servers.require("UPDRAFT_PG_CA_CERT")?.to_owned(),
        ),
    ])
}
