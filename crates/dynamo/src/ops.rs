//! Single-item reads and writes: get, put, save, update and delete. Each returns a builder
//! to `.await`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::SystemTime;

use aws_sdk_dynamodb::types::ReturnValue;

use crate::client::aws;
use crate::expr::compile::{self, Placeholders};
use crate::expr::{Condition, Projection, Update};
use crate::model::IntoKey;
use crate::value::RawItem;
use crate::write;
use crate::{Error, Item, Table};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

impl<T: Item + Send + 'static> Table<T> {
    /// Reads the item with this key: `table.get((2015, "The Big New Movie"))`, or
    /// `table.get(id)` for a table without a range key.
    pub fn get(&self, key: impl IntoKey<T>) -> Get<'_, T> {
        Get {
            table: self,
            key: key.into_key().map_err(Error::Encode),
            consistent: false,
            projection: None,
        }
    }

    /// Writes `item`, replacing any item with its key. With a version field, the write
    /// expects the stored version to be `item`'s (no item, for version 0) and stores the next
    /// one; created/updated timestamps are set.
    pub fn put<'a>(&'a self, item: &'a T) -> Put<'a, T> {
        Put {
            table: self,
            item,
            condition: None,
        }
    }

    /// [`Table::put`], then the same version and timestamps set on `item` itself, so the
    /// next save of it expects the version just written.
    ///
    /// # Errors
    ///
    /// As [`Put`]: [`Error::VersionConflict`] when someone else wrote the item first.
    pub async fn save(&self, item: &mut T) -> Result<(), Error> {
        let now = SystemTime::now();
        put(self, item, None, now).await?;
        if T::VERSION.is_some() {
            item.set_version(item.version() + 1);
        }
        item.set_timestamps(now);
        Ok(())
    }

    /// Applies `update` to the item with this key (creating it when there is none) and
    /// returns the item after it. A versioned model's version is bumped, and its updated
    /// timestamp set.
    pub fn update(&self, key: impl IntoKey<T>, update: Update) -> UpdateItem<'_, T> {
        UpdateItem {
            table: self,
            key: key.into_key().map_err(Error::Encode),
            update,
            condition: None,
            version: None,
        }
    }

    /// Deletes the item with this key, returning it.
    pub fn delete(&self, key: impl IntoKey<T>) -> Delete<'_, T> {
        Delete {
            table: self,
            key: key.into_key().map_err(Error::Encode),
            condition: None,
            version: None,
        }
    }
}

/// A `GetItem`; `.await` gives `Option<T>`.
#[must_use = "a read does nothing until awaited"]
pub struct Get<'a, T> {
    table: &'a Table<T>,
    key: Result<RawItem, Error>,
    consistent: bool,
    projection: Option<Projection>,
}

impl<T> Get<'_, T> {
    /// A strongly consistent read.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Only these attributes.
    pub fn project(mut self, projection: Projection) -> Self {
        self.projection = Some(projection);
        self
    }
}

impl<'a, T: Item + Send + 'static> IntoFuture for Get<'a, T> {
    type Output = Result<Option<T>, Error>;
    type IntoFuture = Boxed<'a, Option<T>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut placeholders = Placeholders::default();
            let projection = self
                .projection
                .as_ref()
                .map(|p| compile::projection(&mut placeholders, &p.paths))
                .transpose()?;
            let output = self
                .table
                .client()
                .get_item()
                .table_name(self.table.name())
                .set_key(Some(self.key?))
                .consistent_read(self.consistent)
                .set_projection_expression(projection)
                .set_expression_attribute_names(placeholders.take_names())
                .send()
                .await
                .map_err(|e| aws("GetItem", e))?;
            output.item.map(|item| self.table.decode(item)).transpose()
        })
    }
}

/// A `PutItem`; `.await` gives `()`.
#[must_use = "a write does nothing until awaited"]
pub struct Put<'a, T> {
    table: &'a Table<T>,
    item: &'a T,
    condition: Option<Condition>,
}

impl<T> Put<'_, T> {
    /// Writes only when `condition` holds; else [`Error::ConditionFailed`] with the item as
    /// it was.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }
}

impl<T: Item + Send + Sync + 'static> Put<'_, T> {
    /// Writes only when there is no item with this key yet.
    pub fn if_not_exists(self) -> Self {
        let hash = crate::Path::<String>::new(crate::RawPath::attribute(T::key_schema().hash.name));
        self.condition(hash.not_exists())
    }
}

impl<'a, T: Item + Send + Sync + 'static> IntoFuture for Put<'a, T> {
    type Output = Result<(), Error>;
    type IntoFuture = Boxed<'a, ()>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(put(
            self.table,
            self.item,
            self.condition,
            SystemTime::now(),
        ))
    }
}

async fn put<T: Item + Send + 'static>(
    table: &Table<T>,
    item: &T,
    condition: Option<Condition>,
    now: SystemTime,
) -> Result<(), Error> {
    let (attributes, version) = write::prepare_put(item, now)?;
    let expected = T::VERSION.map(|_| item.version());
    let condition = write::and(condition, version);
    let compiled = write::compile(condition, None)?;
    let result = write::with_condition!(
        table
            .client()
            .put_item()
            .table_name(table.name())
            .set_item(Some(attributes)),
        compiled
    )
    .send()
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(error) => {
            let old = match error.as_service_error() {
                Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(failed)) => {
                    failed.item.clone()
                }
                _ => return Err(aws("PutItem", error)),
            };
            Err(write::condition_failed::<T>(
                table.name(),
                expected,
                old,
                None,
            ))
        }
    }
}

/// An `UpdateItem`; `.await` gives the item after the update. A failed condition is
/// [`Error::ConditionFailed`] (or [`Error::VersionConflict`]) with the item as it was.
#[must_use = "a write does nothing until awaited"]
pub struct UpdateItem<'a, T> {
    table: &'a Table<T>,
    key: Result<RawItem, Error>,
    update: Update,
    condition: Option<Condition>,
    version: Option<u64>,
}

impl<T> UpdateItem<'_, T> {
    /// Updates only when `condition` holds.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Updates only when the stored version is `expected` (optimistic locking); else
    /// [`Error::VersionConflict`].
    pub fn version(mut self, expected: u64) -> Self {
        self.version = Some(expected);
        self
    }
}

impl<'a, T: Item + Send + 'static> IntoFuture for UpdateItem<'a, T> {
    type Output = Result<T, Error>;
    type IntoFuture = Boxed<'a, T>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let update = write::prepare_update::<T>(self.update, SystemTime::now())?;
            let expected = self.version.filter(|_| T::VERSION.is_some());
            let condition = write::and(
                self.condition,
                expected.and_then(write::version_condition::<T>),
            );
            let compiled = write::compile(condition, Some(&update))?;
            let result = write::with_condition!(
                table
                    .client()
                    .update_item()
                    .table_name(table.name())
                    .set_key(Some(self.key?))
                    .set_update_expression(compiled.update),
                compiled
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
            match result {
                Ok(output) => table.decode(output.attributes.unwrap_or_default()),
                Err(error) => {
                    let old = match error.as_service_error() {
                        Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(failed)) => {
                            failed.item.clone()
                        }
                        _ => return Err(aws("UpdateItem", error)),
                    };
                    Err(write::condition_failed::<T>(
                        table.name(),
                        expected,
                        old,
                        None,
                    ))
                }
            }
        })
    }
}

/// A `DeleteItem`; `.await` gives the item deleted (`None` when there was none). A failed
/// condition is [`Error::ConditionFailed`] (or [`Error::VersionConflict`]) with the item, which
/// stays.
#[must_use = "a delete does nothing until awaited"]
pub struct Delete<'a, T> {
    table: &'a Table<T>,
    key: Result<RawItem, Error>,
    condition: Option<Condition>,
    version: Option<u64>,
}

impl<T> Delete<'_, T> {
    /// Deletes only when `condition` holds.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Deletes only when the stored version is `expected`; else [`Error::VersionConflict`].
    pub fn version(mut self, expected: u64) -> Self {
        self.version = Some(expected);
        self
    }
}

impl<'a, T: Item + Send + 'static> IntoFuture for Delete<'a, T> {
    type Output = Result<Option<T>, Error>;
    type IntoFuture = Boxed<'a, Option<T>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let expected = self.version.filter(|_| T::VERSION.is_some());
            let condition = write::and(
                self.condition,
                expected.and_then(write::version_condition::<T>),
            );
            let compiled = write::compile(condition, None)?;
            let result = write::with_condition!(
                table
                    .client()
                    .delete_item()
                    .table_name(table.name())
                    .set_key(Some(self.key?)),
                compiled
            )
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
            match result {
                Ok(output) => output.attributes.map(|o| table.decode(o)).transpose(),
                Err(error) => {
                    let old = match error.as_service_error() {
                        Some(aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(failed)) => {
                            failed.item.clone()
                        }
                        _ => return Err(aws("DeleteItem", error)),
                    };
                    Err(write::condition_failed::<T>(
                        table.name(),
                        expected,
                        old,
                        None,
                    ))
                }
            }
        })
    }
}
