//! The `orders-report` Fargate task: reads its order from DynamoDB and writes the report
//! document into the `reports` collection of its session state's MongoDB database, then marks
//! the order `reported`.

use updraft::core::error::{Kind, Surface};
use updraft::core::{Env, SdkConfig};
use updraft::dynamo::{Dynamo, Table};
use updraft::fargate::{Task, TaskContext};
use updraft::mongo_repo::bson::doc;
use updraft::mongo_repo::{Mongo, Repository};

use crate::model::{Order, Report, status};
use crate::vars::{ORDER_ID, ORDERS_TABLE, required};

/// Why a report was not written; its kind picks the task's exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `ORDER_ID` or the session is missing (exit 78).
    #[error(transparent)]
    Config(#[from] updraft::core::Error),
    /// The order is not there, or not yet priced.
    #[error("order {0} is not a confirmed order")]
    NotConfirmed(String),
    /// The task's session is not the order's state.
    #[error("order {0} belongs to another state than the task's session")]
    WrongState(String),
    /// A DynamoDB call failed.
    #[error("dynamodb: {0}")]
    Dynamo(#[from] updraft::dynamo::Error),
    /// A MongoDB call failed.
    #[error("mongodb: {0}")]
    Mongo(#[from] updraft::mongo_repo::Error),
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Config(e) => e.kind(),
            Error::NotConfirmed(_) => Kind::NotFound,
            Error::WrongState(_) => Kind::Forbidden,
            Error::Dynamo(e) => e.kind(),
            Error::Mongo(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Config(e) => e.error_type(),
            Error::NotConfirmed(_) => "NotConfirmed",
            Error::WrongState(_) => "WrongState",
            Error::Dynamo(e) => e.error_type(),
            Error::Mongo(e) => e.error_type(),
        }
    }
}

/// The report repository: `reports`, in the session state's database.
#[must_use]
pub fn reports(mongo: &Mongo) -> Repository<Report> {
    mongo.repository("reports").named("ReportsRepository")
}

/// The task.
#[derive(Debug)]
pub struct ReportTask {
    orders: Table<Order>,
    reports: Repository<Report>,
}

impl ReportTask {
    /// From `ORDERS_TABLE` and the MongoDB variables (`MONGODB_URI`, …).
    ///
    /// # Errors
    ///
    /// A variable that is missing or malformed.
    pub async fn from_env(config: &SdkConfig, env: &Env) -> Result<Self, Error> {
        Ok(Self {
            orders: Dynamo::new(config).table_named(required(env, ORDERS_TABLE)?),
            reports: reports(&Mongo::shared().await?),
        })
    }
}

impl Task for ReportTask {
    type Error = Error;

    async fn execute(&self, ctx: &TaskContext) -> Result<(), Error> {
        let id = ctx.require_env(ORDER_ID)?.trim();
        let order = self.orders.get(id).consistent().await?;
        let Some((order, tax_cents)) = order.and_then(|o| o.tax_cents.map(|tax| (o, tax))) else {
            return Err(Error::NotConfirmed(id.to_owned()));
        };
        let state = ctx.session().and_then(|s| s.state.as_deref());
        if state != Some(order.state.as_str()) {
            return Err(Error::WrongState(id.to_owned()));
        }
        let report = Report {
            order_id: order.id.clone(),
            customer: order.customer.clone(),
            item: order.item.clone(),
            quantity: order.quantity,
            total_cents: order.total_cents,
            tax_cents,
            grand_total_cents: order.total_cents.saturating_add(tax_cents),
        };
        // The session is current for the whole task: the repository writes into its state.
        self.reports
            .replace_one(doc! {"_id": &report.order_id}, &report, true)
            .await?;
        let fields = Order::fields();
        self.orders
            .update(id, fields.status().set(status::REPORTED))
            .condition(fields.id().exists())
            .await?;
        tracing::info!(order = %id, state, "report written");
        Ok(())
    }
}
