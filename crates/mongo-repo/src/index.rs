//! [`Index`]: an index as a repository declares it, and how it compares with the one a
//! collection already has.

use std::time::Duration;

use mongodb::IndexModel;
use mongodb::bson::{Bson, Document};
use mongodb::options::IndexOptions;

/// The order of one key of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending (`1`).
    Asc,
    /// Descending (`-1`).
    Desc,
}

impl Direction {
    fn value(self) -> i32 {
        match self {
            Direction::Asc => 1,
            Direction::Desc => -1,
        }
    }
}

/// One declared index: its keys in order, and its options.
///
/// ```
/// use std::time::Duration;
/// use updraft_mongo_repo::{Index, bson::doc};
///
/// let by_status = Index::asc("status").then_desc("created_at");
/// assert_eq!(by_status.name(), "status_1_created_at_-1");
/// let email = Index::asc("email").unique();
/// let sessions = Index::asc("expires_at").expire_after(Duration::ZERO).named("sessions_ttl");
/// let open = Index::asc("customer_id").partial(doc! {"status": "open"});
/// # drop((email, sessions, open));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    keys: Vec<(String, Direction)>,
    name: Option<String>,
    unique: bool,
    expire_after: Option<Duration>,
    partial: Option<Document>,
}

impl Index {
    /// An index on `field`, ascending.
    #[must_use]
    pub fn asc(field: impl Into<String>) -> Self {
        Self::on(field, Direction::Asc)
    }

    /// An index on `field`, descending.
    #[must_use]
    pub fn desc(field: impl Into<String>) -> Self {
        Self::on(field, Direction::Desc)
    }

    /// An index on `field` in `direction`.
    #[must_use]
    pub fn on(field: impl Into<String>, direction: Direction) -> Self {
        Self {
            keys: vec![(field.into(), direction)],
            name: None,
            unique: false,
            expire_after: None,
            partial: None,
        }
    }

    /// Adds `field`, ascending, as the next key of a compound index.
    #[must_use]
    pub fn then_asc(mut self, field: impl Into<String>) -> Self {
        self.keys.push((field.into(), Direction::Asc));
        self
    }

    /// Adds `field`, descending, as the next key of a compound index.
    #[must_use]
    pub fn then_desc(mut self, field: impl Into<String>) -> Self {
        self.keys.push((field.into(), Direction::Desc));
        self
    }

    /// Refuses two documents with the same keys.
    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// A TTL index: the server deletes a document this long after the date in its (single)
    /// key field (`expireAfterSeconds`, whole seconds).
    #[must_use]
    pub fn expire_after(mut self, after: Duration) -> Self {
        self.expire_after = Some(Duration::from_secs(after.as_secs()));
        self
    }

    /// Indexes only the documents that match `filter` (`partialFilterExpression`).
    #[must_use]
    pub fn partial(mut self, filter: Document) -> Self {
        self.partial = Some(filter);
        self
    }

    /// Names the index; the default is the server's: `field_1_other_-1`.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The index's name: the given one, or the server's default.
    #[must_use]
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            self.keys
                .iter()
                .map(|(field, direction)| format!("{field}_{}", direction.value()))
                .collect::<Vec<_>>()
                .join("_")
        })
    }

    /// The keys, as the server takes them.
    #[must_use]
    pub fn keys(&self) -> Document {
        self.keys
            .iter()
            .map(|(field, direction)| (field.clone(), Bson::Int32(direction.value())))
            .collect()
    }

    /// The driver's model of this index.
    pub(crate) fn model(&self) -> IndexModel {
        let mut options = IndexOptions::default();
        options.name = Some(self.name());
        options.unique = self.unique.then_some(true);
        options.expire_after = self.expire_after;
        options.partial_filter_expression.clone_from(&self.partial);
        IndexModel::builder()
            .keys(self.keys())
            .options(options)
            .build()
    }

    /// How an existing index of the same name (or the same keys) differs from this one, if it
    /// does.
    pub(crate) fn difference(&self, existing: &IndexModel) -> Option<String> {
        let options = existing.options.clone().unwrap_or_default();
        let existing_name = options.name.clone().unwrap_or_default();
        let mut differences = Vec::new();
        if existing_name != self.name() {
            differences.push(format!("the same keys are indexed as `{existing_name}`"));
        }
        if !same_keys(&existing.keys, &self.keys()) {
            differences.push(format!(
                "keys: existing {}, declared {}",
                existing.keys,
                self.keys()
            ));
        }
        let existing_unique = options.unique.unwrap_or(false);
        if existing_unique != self.unique {
            differences.push(format!(
                "unique: existing {existing_unique}, declared {}",
                self.unique
            ));
        }
        let existing_ttl = options.expire_after.map(|d| d.as_secs());
        let declared_ttl = self.expire_after.map(|d| d.as_secs());
        if existing_ttl != declared_ttl {
            differences.push(format!(
                "expireAfterSeconds: existing {}, declared {}",
                seconds(existing_ttl),
                seconds(declared_ttl)
            ));
        }
        if options.partial_filter_expression != self.partial {
            differences.push(format!(
                "partialFilterExpression: existing {}, declared {}",
                filter(options.partial_filter_expression.as_ref()),
                filter(self.partial.as_ref())
            ));
        }
        (!differences.is_empty()).then(|| differences.join("; "))
    }

    /// Whether `existing` indexes the same keys in the same order.
    pub(crate) fn has_keys_of(&self, existing: &IndexModel) -> bool {
        same_keys(&existing.keys, &self.keys())
    }
}

/// Key documents compare by field order and numeric direction (`1`, `1.0` and `1i64` alike).
fn same_keys(a: &Document, b: &Document) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((fa, va), (fb, vb))| {
            fa == fb
                && match (number(va), number(vb)) {
                    (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON,
                    _ => va == vb,
                }
        })
}

fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(n) => Some(f64::from(*n)),
        #[allow(clippy::cast_precision_loss, reason = "index directions are 1 and -1")]
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

fn seconds(value: Option<u64>) -> String {
    value.map_or_else(|| "none".to_owned(), |s| s.to_string())
}

fn filter(value: Option<&Document>) -> String {
    value.map_or_else(|| "none".to_owned(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    fn existing(keys: Document, options: IndexOptions) -> IndexModel {
        IndexModel::builder().keys(keys).options(options).build()
    }

    #[test]
    fn default_names_are_the_servers() {
        assert_eq!(Index::asc("a").name(), "a_1");
        assert_eq!(Index::desc("a").then_asc("b.c").name(), "a_-1_b.c_1");
        assert_eq!(Index::asc("a").named("mine").name(), "mine");
    }

    #[test]
    fn the_same_index_has_no_difference_whatever_the_number_type() {
        let declared = Index::asc("a")
            .then_desc("b")
            .unique()
            .expire_after(Duration::from_secs(30));
        let mut options = IndexOptions::default();
        options.name = Some("a_1_b_-1".into());
        options.unique = Some(true);
        options.expire_after = Some(Duration::from_secs(30));
        let same = existing(doc! {"a": 1.0, "b": -1_i64}, options);
        assert_eq!(declared.difference(&same), None);
        assert!(declared.has_keys_of(&same));
    }

    #[test]
    fn each_difference_is_named() {
        let declared = Index::asc("a").unique().partial(doc! {"s": "open"});
        let mut options = IndexOptions::default();
        options.name = Some("a_1".into());
        options.expire_after = Some(Duration::from_secs(5));
        let other = existing(doc! {"a": -1}, options);
        let difference = declared.difference(&other).unwrap();
        for part in [
            "keys: existing",
            "unique: existing false, declared true",
            "expireAfterSeconds: existing 5, declared none",
            "partialFilterExpression: existing none",
        ] {
            assert!(difference.contains(part), "{difference}");
        }
    }
}
