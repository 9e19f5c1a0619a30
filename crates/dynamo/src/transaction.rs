//! Transactions: up to 100 puts, updates, deletes and condition checks that all happen or
//! none does. The builder refuses a 101st action and a second action on one item; a
//! cancelled transaction's reasons name the actions that caused them.

// Over 400 lines on purpose: the builder's checks (100 actions, one action per item) and the
// mapping of cancellation reasons read the same action list.

use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, TransactWriteItem, Update as SdkUpdate,
};

use crate::client::aws;
use crate::expr::{Condition, Update};
use crate::model::IntoKey;
use crate::value::RawItem;
use crate::{Dynamo, Error, Item, Table, write};

/// The most actions one transaction takes.
pub const MAX_ACTIONS: usize = 100;

/// Why DynamoDB cancelled one action of a transaction.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CancelReason {
    /// The action's position, from 0, in the order it was added.
    pub action: usize,
    /// `Put`, `Update`, `Delete` or `ConditionCheck`.
    pub operation: &'static str,
    /// The table.
    pub table: String,
    /// DynamoDB's code: `ConditionalCheckFailed`, `TransactionConflict`, `ThrottlingError`, …
    pub code: String,
    /// DynamoDB's message.
    pub message: Option<String>,
    /// The item as it was, for a failed condition.
    pub old: Option<RawItem>,
    /// Whether it was the version check that failed (optimistic locking).
    pub version_conflict: bool,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "action {} ({}): {}",
            self.action, self.operation, self.code
        )?;
        if self.version_conflict {
            f.write_str(" (version conflict)")?;
        }
        Ok(())
    }
}

/// What the transaction remembers of each action, to map reasons back.
struct Action {
    operation: &'static str,
    table: String,
    /// The version a versioned write expects, with the model's version attribute.
    version: Option<(u64, &'static str)>,
}

/// A transaction being built. Send it with [`Dynamo::transact`].
///
/// # Example
///
/// ```no_run
/// # use updraft_dynamo::{Dynamo, Model, Transaction};
/// # #[derive(Model)] #[dynamo(table = "Accounts")] struct Account { #[dynamo(hash)] id: String, balance: i64 }
/// # async fn run(dynamo: Dynamo) -> Result<(), updraft_dynamo::Error> {
/// let accounts = dynamo.table::<Account>();
/// let balance = Account::fields().balance();
/// let mut transfer = Transaction::new();
/// transfer
///     .update_if(&accounts, "alice", balance.set(&balance - 10), balance.ge(10))?
///     .update(&accounts, "bob", balance.set(&balance + 10))?;
/// dynamo.transact(transfer).await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct Transaction {
    items: Vec<TransactWriteItem>,
    actions: Vec<Action>,
    keys: HashSet<(String, Vec<(String, String)>)>,
    token: Option<String>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

fn built<B, E: fmt::Display>(result: Result<B, E>) -> Result<B, Error> {
    result.map_err(|e| Error::InvalidTransaction(e.to_string()))
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many actions it has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it has none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// An idempotency token: DynamoDB runs a transaction with the same token once within
    /// ten minutes.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    fn add(
        &mut self,
        table: &str,
        key: &RawItem,
        operation: &'static str,
        version: Option<(u64, &'static str)>,
        item: TransactWriteItem,
    ) -> Result<&mut Self, Error> {
        if self.items.len() >= MAX_ACTIONS {
            return Err(Error::InvalidTransaction(format!(
                "a transaction takes at most {MAX_ACTIONS} actions"
            )));
        }
        if !self
            .keys
            .insert((table.to_owned(), crate::batch::signature(key)))
        {
            return Err(Error::InvalidTransaction(format!(
                "two actions on one item of {table}: DynamoDB refuses that"
            )));
        }
        self.items.push(item);
        self.actions.push(Action {
            operation,
            table: table.to_owned(),
            version,
        });
        Ok(self)
    }

    /// Puts `item` (with the version check and bump of a versioned model).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTransaction`] for a 101st action or a second one on the item;
    /// [`Error::Encode`], [`Error::Expression`].
    pub fn put<T: Item>(&mut self, table: &Table<T>, item: &T) -> Result<&mut Self, Error> {
        self.put_with(table, item, None)
    }

    /// Puts `item` when `condition` holds.
    ///
    /// # Errors
    ///
    /// As [`Transaction::put`].
    pub fn put_if<T: Item>(
        &mut self,
        table: &Table<T>,
        item: &T,
        condition: Condition,
    ) -> Result<&mut Self, Error> {
        self.put_with(table, item, Some(condition))
    }

    fn put_with<T: Item>(
        &mut self,
        table: &Table<T>,
        item: &T,
        condition: Option<Condition>,
    ) -> Result<&mut Self, Error> {
        let (attributes, version) = write::prepare_put(item, SystemTime::now())?;
        let key = item.key().map_err(Error::Encode)?;
        let compiled = write::compile(write::and(condition, version), None)?;
        let put = built(
            write::with_condition!(
                Put::builder()
                    .table_name(table.name())
                    .set_item(Some(attributes)),
                compiled
            )
            .build(),
        )?;
        let version = T::VERSION.map(|name| (item.version(), name));
        self.add(
            table.name(),
            &key,
            "Put",
            version,
            TransactWriteItem::builder().put(put).build(),
        )
    }

    /// Applies `update` to the item with `key`.
    ///
    /// # Errors
    ///
    /// As [`Transaction::put`].
    pub fn update<T: Item>(
        &mut self,
        table: &Table<T>,
        key: impl IntoKey<T>,
        update: Update,
    ) -> Result<&mut Self, Error> {
        self.update_with(table, key, update, None)
    }

    /// Applies `update` when `condition` holds.
    ///
    /// # Errors
    ///
    /// As [`Transaction::put`].
    pub fn update_if<T: Item>(
        &mut self,
        table: &Table<T>,
        key: impl IntoKey<T>,
        update: Update,
        condition: Condition,
    ) -> Result<&mut Self, Error> {
        self.update_with(table, key, update, Some(condition))
    }

    fn update_with<T: Item>(
        &mut self,
        table: &Table<T>,
        key: impl IntoKey<T>,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<&mut Self, Error> {
        let key = key.into_key().map_err(Error::Encode)?;
        let update = write::prepare_update::<T>(update, SystemTime::now())?;
        let compiled = write::compile(condition, Some(&update))?;
        let sdk = built(
            write::with_condition!(
                SdkUpdate::builder()
                    .table_name(table.name())
                    .set_key(Some(key.clone()))
                    .set_update_expression(compiled.update),
                compiled
            )
            .build(),
        )?;
        self.add(
            table.name(),
            &key,
            "Update",
            None,
            TransactWriteItem::builder().update(sdk).build(),
        )
    }

    /// Deletes the item with `key` (when `condition` holds, if one is given).
    ///
    /// # Errors
    ///
    /// As [`Transaction::put`].
    pub fn delete<T: Item>(
        &mut self,
        table: &Table<T>,
        key: impl IntoKey<T>,
        condition: Option<Condition>,
    ) -> Result<&mut Self, Error> {
        let key = key.into_key().map_err(Error::Encode)?;
        let compiled = write::compile(condition, None)?;
        let delete = built(
            write::with_condition!(
                Delete::builder()
                    .table_name(table.name())
                    .set_key(Some(key.clone())),
                compiled
            )
            .build(),
        )?;
        self.add(
            table.name(),
            &key,
            "Delete",
            None,
            TransactWriteItem::builder().delete(delete).build(),
        )
    }

    /// Requires `condition` to hold for the item with `key`, writing nothing to it.
    ///
    /// # Errors
    ///
    /// As [`Transaction::put`].
    pub fn check<T: Item>(
        &mut self,
        table: &Table<T>,
        key: impl IntoKey<T>,
        condition: Condition,
    ) -> Result<&mut Self, Error> {
        let key = key.into_key().map_err(Error::Encode)?;
        let compiled = write::compile(Some(condition), None)?;
        let check = built(
            write::with_condition!(
                ConditionCheck::builder()
                    .table_name(table.name())
                    .set_key(Some(key.clone())),
                compiled
            )
            .build(),
        )?;
        self.add(
            table.name(),
            &key,
            "ConditionCheck",
            None,
            TransactWriteItem::builder().condition_check(check).build(),
        )
    }
}

impl Dynamo {
    /// Runs `transaction`: every action happens, or none does.
    ///
    /// # Errors
    ///
    /// [`Error::ConditionFailed`] (or [`Error::VersionConflict`]) for the first action whose
    /// condition failed, when failed conditions are all that cancelled it, as a single write
    /// reports it; [`Error::TransactionCanceled`] with a reason per failed action for anything
    /// else; [`Error::InvalidTransaction`] for an empty one; [`Error::Aws`].
    pub async fn transact(&self, transaction: Transaction) -> Result<(), Error> {
        if transaction.items.is_empty() {
            return Err(Error::InvalidTransaction(
                "a transaction needs at least one action".into(),
            ));
        }
        let result = self
            .sdk()
            .transact_write_items()
            .set_transact_items(Some(transaction.items))
            .set_client_request_token(transaction.token)
            .send()
            .await;
        let Err(error) = result else {
            return Ok(());
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
            error.as_service_error()
        else {
            return Err(aws("TransactWriteItems", error));
        };
        let reasons = canceled
            .cancellation_reasons()
            .iter()
            .zip(&transaction.actions)
            .enumerate()
            .filter_map(|(index, (reason, action))| {
                let code = reason.code()?;
                if code == "None" {
                    return None;
                }
                let old = reason.item.clone();
                let version_conflict = code == "ConditionalCheckFailed"
                    && action.version.is_some_and(|(expected, name)| {
                        write::is_conflict(expected, write::version_in(old.as_ref(), name))
                    });
                Some(CancelReason {
                    action: index,
                    operation: action.operation,
                    table: action.table.clone(),
                    code: code.to_owned(),
                    message: reason.message().map(str::to_owned),
                    old,
                    version_conflict,
                })
            })
            .collect::<Vec<CancelReason>>();
        if let Some(first) = reasons.first()
            && reasons.iter().all(|r| r.code == "ConditionalCheckFailed")
        {
            let action = &transaction.actions[first.action];
            let old = first.old.clone().map(Box::new);
            return Err(match (first.version_conflict, action.version) {
                (true, Some((expected, name))) => Error::VersionConflict {
                    table: first.table.clone(),
                    expected,
                    found: write::version_in(old.as_deref(), name),
                    old,
                    action: Some(first.action),
                },
                _ => Error::ConditionFailed {
                    table: first.table.clone(),
                    old,
                    action: Some(first.action),
                },
            });
        }
        Err(Error::TransactionCanceled { reasons })
    }
}
