//! What single-item writes add to the request: the version condition and bump, the
//! timestamps, and the reading of a failed condition.

use std::time::SystemTime;

use crate::expr::compile::{self, Placeholders};
use crate::expr::{Condition, Update};
use crate::path::{Path, RawPath};
use crate::value::{AttributeValue, RawItem};
use crate::{Error, Item};

fn version_path<T: Item>() -> Option<Path<u64>> {
    T::VERSION.map(|name| Path::new(RawPath::attribute(name)))
}

/// The condition that the stored version is `expected` (no item yet, for 0).
pub(crate) fn version_condition<T: Item>(expected: u64) -> Option<Condition> {
    let version = version_path::<T>()?;
    Some(if expected == 0 {
        Path::<String>::new(RawPath::attribute(T::key_schema().hash.name)).not_exists()
    } else {
        version.eq(expected)
    })
}

/// Both conditions, either, or none.
pub(crate) fn and(a: Option<Condition>, b: Option<Condition>) -> Option<Condition> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a & b),
        (a, b) => a.or(b),
    }
}

/// The attributes of `item` with its timestamps set: updated-at to `now`, created-at to `now`
/// when the item has none.
pub(crate) fn stamped<T: Item>(item: &T, now: SystemTime) -> Result<RawItem, Error> {
    let mut attributes = item.to_item().map_err(Error::Encode)?;
    if let Some(stamp) = T::UPDATED_AT {
        attributes.insert(
            stamp.name.to_owned(),
            (stamp.encode)(now).map_err(Error::Encode)?,
        );
    }
    if let Some(stamp) = T::CREATED_AT
        && !attributes.contains_key(stamp.name)
    {
        attributes.insert(
            stamp.name.to_owned(),
            (stamp.encode)(now).map_err(Error::Encode)?,
        );
    }
    Ok(attributes)
}

/// The put of `item`: its stamped attributes with the next version, and the version
/// condition.
pub(crate) fn prepare_put<T: Item>(
    item: &T,
    now: SystemTime,
) -> Result<(RawItem, Option<Condition>), Error> {
    let mut attributes = stamped(item, now)?;
    let condition = if let Some(name) = T::VERSION {
        let expected = item.version();
        attributes.insert(
            name.to_owned(),
            AttributeValue::N((expected + 1).to_string()),
        );
        version_condition::<T>(expected)
    } else {
        None
    };
    Ok((attributes, condition))
}

/// The update with the version bump and the timestamps added.
pub(crate) fn prepare_update<T: Item>(
    mut update: Update,
    now: SystemTime,
) -> Result<Update, Error> {
    if let Some(version) = version_path::<T>() {
        update = update & version.set(version.if_not_exists(0_u64) + 1_u64);
    }
    if let Some(stamp) = T::UPDATED_AT {
        let value = (stamp.encode)(now).map_err(Error::Encode)?;
        update = update & Path::<AttributeValue>::new(RawPath::attribute(stamp.name)).set(value);
    }
    if let Some(stamp) = T::CREATED_AT {
        let value = (stamp.encode)(now).map_err(Error::Encode)?;
        let path = Path::<AttributeValue>::new(RawPath::attribute(stamp.name));
        update = update & path.set_if_not_exists(value);
    }
    Ok(update)
}

/// Sets a compiled condition, its placeholders, and `ALL_OLD` on a failed condition on any
/// SDK builder that takes them (`PutItem`, `UpdateItem`, `DeleteItem` and their transaction
/// forms share the method names, not a trait).
macro_rules! with_condition {
    ($builder:expr, $compiled:expr) => {
        $builder
            .set_condition_expression($compiled.condition)
            .set_expression_attribute_names($compiled.names)
            .set_expression_attribute_values($compiled.values)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
    };
}
pub(crate) use with_condition;

/// A condition, compiled.
pub(crate) struct Compiled {
    pub(crate) condition: Option<String>,
    pub(crate) update: Option<String>,
    pub(crate) names: Option<std::collections::HashMap<String, String>>,
    pub(crate) values: Option<std::collections::HashMap<String, AttributeValue>>,
}

pub(crate) fn compile(
    condition: Option<Condition>,
    update: Option<&Update>,
) -> Result<Compiled, Error> {
    let mut placeholders = Placeholders::default();
    let update = update
        .map(|u| compile::update(&mut placeholders, u))
        .transpose()?;
    let condition = condition
        .map(|c| compile::condition(&mut placeholders, "condition", &c))
        .transpose()?;
    Ok(Compiled {
        condition,
        update,
        names: placeholders.take_names(),
        values: placeholders.take_values(),
    })
}

/// The version stored in `old` under `name`: `None` when there is no item, 0 when it has no
/// version yet.
pub(crate) fn version_in(old: Option<&RawItem>, name: &str) -> Option<u64> {
    match old?.get(name) {
        Some(AttributeValue::N(text)) => Some(text.parse().unwrap_or(0)),
        _ => Some(0),
    }
}

/// Whether a write expecting version `expected` (0: no item) conflicts with what is stored.
pub(crate) fn is_conflict(expected: u64, found: Option<u64>) -> bool {
    match expected {
        0 => found.is_some(),
        expected => found != Some(expected),
    }
}

/// The error of a failed condition, the one way every write reports it (`action` is the
/// position of a transaction's action): [`Error::VersionConflict`] when the stored version is
/// not the expected one (or there is an item where none was expected, or none where one
/// was), else [`Error::ConditionFailed`]; both with the item as it was.
pub(crate) fn condition_failed<T: Item>(
    table: &str,
    expected: Option<u64>,
    old: Option<RawItem>,
    action: Option<usize>,
) -> Error {
    if let (Some(expected), Some(name)) = (expected, T::VERSION) {
        let found = version_in(old.as_ref(), name);
        if is_conflict(expected, found) {
            return Error::VersionConflict {
                table: table.to_owned(),
                expected,
                found,
                old: old.map(Box::new),
                action,
            };
        }
    }
    Error::ConditionFailed {
        table: table.to_owned(),
        old: old.map(Box::new),
        action,
    }
}
