//! Creating and deleting a model's table from its key schema and indexes, waiting until
//! DynamoDB is done. For tests, tools and examples; production tables belong to your
//! infrastructure code.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, TableStatus,
    TimeToLiveSpecification,
};

use crate::client::aws;
use crate::model::{IndexKind, KeySchema};
use crate::{Error, Item, Table};

/// How long to wait for a table to become ACTIVE or go away.
const WAIT: Duration = Duration::from_secs(120);

/// Capacity of a new table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Capacity {
    /// On demand (`PAY_PER_REQUEST`).
    #[default]
    OnDemand,
    /// Provisioned read and write capacity units, for the table and each global index.
    Provisioned {
        /// Read capacity units.
        read: i64,
        /// Write capacity units.
        write: i64,
    },
}

fn built<B, E: std::fmt::Display>(result: Result<B, E>) -> Result<B, Error> {
    result.map_err(|e| Error::Encode(crate::ValueError::new(e.to_string())))
}

fn key_elements(key: &KeySchema) -> Result<Vec<KeySchemaElement>, Error> {
    let mut elements = vec![built(
        KeySchemaElement::builder()
            .attribute_name(key.hash.name)
            .key_type(KeyType::Hash)
            .build(),
    )?];
    if let Some(range) = &key.range {
        elements.push(built(
            KeySchemaElement::builder()
                .attribute_name(range.name)
                .key_type(KeyType::Range)
                .build(),
        )?);
    }
    Ok(elements)
}

impl<T: Item + Send + 'static> Table<T> {
    /// Creates the table with the model's keys, its indexes (projecting all attributes) and
    /// its TTL attribute, and waits until it and its indexes are ACTIVE.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`] (`ResourceInUseException` when it exists), [`Error::TableNotReady`].
    pub async fn create(&self, capacity: Capacity) -> Result<(), Error> {
        let schema = T::key_schema();
        let indexes = T::indexes();
        let mut definitions = Vec::new();
        for key in std::iter::once(&schema).chain(indexes.iter().map(|i| &i.key)) {
            for attribute in std::iter::once(&key.hash).chain(&key.range) {
                if !definitions
                    .iter()
                    .any(|d: &AttributeDefinition| d.attribute_name() == attribute.name)
                {
                    definitions.push(built(
                        AttributeDefinition::builder()
                            .attribute_name(attribute.name)
                            .attribute_type(attribute.scalar.clone())
                            .build(),
                    )?);
                }
            }
        }
        let throughput = match capacity {
            Capacity::OnDemand => None,
            Capacity::Provisioned { read, write } => Some(built(
                ProvisionedThroughput::builder()
                    .read_capacity_units(read)
                    .write_capacity_units(write)
                    .build(),
            )?),
        };
        let all = Projection::builder()
            .projection_type(ProjectionType::All)
            .build();
        let mut request = self
            .client()
            .create_table()
            .table_name(self.name())
            .set_key_schema(Some(key_elements(&schema)?))
            .set_attribute_definitions(Some(definitions))
            .billing_mode(if throughput.is_some() {
                BillingMode::Provisioned
            } else {
                BillingMode::PayPerRequest
            })
            .set_provisioned_throughput(throughput.clone());
        for index in &indexes {
            let keys = key_elements(&index.key)?;
            request = match index.kind {
                IndexKind::Global => request.global_secondary_indexes(built(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(keys))
                        .projection(all.clone())
                        .set_provisioned_throughput(throughput.clone())
                        .build(),
                )?),
                IndexKind::Local => request.local_secondary_indexes(built(
                    LocalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(keys))
                        .projection(all.clone())
                        .build(),
                )?),
            };
        }
        request.send().await.map_err(|e| aws("CreateTable", e))?;
        self.wait_active().await?;
        if let Some(ttl) = T::TTL {
            let spec = built(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(ttl)
                    .build(),
            )?;
            self.client()
                .update_time_to_live()
                .table_name(self.name())
                .time_to_live_specification(spec)
                .send()
                .await
                .map_err(|e| aws("UpdateTimeToLive", e))?;
        }
        Ok(())
    }

    /// The table's status, `None` when it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`].
    pub async fn status(&self) -> Result<Option<TableStatus>, Error> {
        match self
            .client()
            .describe_table()
            .table_name(self.name())
            .send()
            .await
        {
            Ok(output) => Ok(output.table.and_then(|t| t.table_status)),
            Err(error) => match error.as_service_error() {
                Some(DescribeTableError::ResourceNotFoundException(_)) => Ok(None),
                _ => Err(aws("DescribeTable", error)),
            },
        }
    }

    /// Whether the table exists.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`].
    pub async fn exists(&self) -> Result<bool, Error> {
        Ok(self.status().await?.is_some())
    }

    /// Waits until the table and its global indexes are ACTIVE.
    ///
    /// # Errors
    ///
    /// [`Error::TableNotReady`] after two minutes; [`Error::Aws`].
    pub async fn wait_active(&self) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            let output = self
                .client()
                .describe_table()
                .table_name(self.name())
                .send()
                .await
                .map_err(|e| aws("DescribeTable", e))?;
            let table = output.table;
            let status = table.as_ref().and_then(|t| t.table_status.clone());
            let indexes_ready = table
                .as_ref()
                .map(aws_sdk_dynamodb::types::TableDescription::global_secondary_indexes)
                .unwrap_or_default()
                .iter()
                .all(|i| {
                    i.index_status
                        .as_ref()
                        .is_none_or(|s| s.as_str() == "ACTIVE")
                });
            if status == Some(TableStatus::Active) && indexes_ready {
                return Ok(());
            }
            if started.elapsed() > WAIT {
                return Err(Error::TableNotReady {
                    table: self.name().to_owned(),
                    status: status.map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned()),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Deletes the table and waits until it is gone. A table that does not exist is fine.
    ///
    /// # Errors
    ///
    /// [`Error::Aws`], [`Error::TableNotReady`].
    pub async fn drop_table(&self) -> Result<(), Error> {
        if let Err(error) = self
            .client()
            .delete_table()
            .table_name(self.name())
            .send()
            .await
        {
            use aws_sdk_dynamodb::operation::delete_table::DeleteTableError;
            if !matches!(
                error.as_service_error(),
                Some(DeleteTableError::ResourceNotFoundException(_))
            ) {
                return Err(aws("DeleteTable", error));
            }
        }
        let started = Instant::now();
        while let Some(status) = self.status().await? {
            if started.elapsed() > WAIT {
                return Err(Error::TableNotReady {
                    table: self.name().to_owned(),
                    status: status.as_str().to_owned(),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}
