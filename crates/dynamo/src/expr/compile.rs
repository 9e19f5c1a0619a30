//! Turning conditions, updates, key conditions and projections into DynamoDB's expression
//! strings. Every name becomes a `#n…` placeholder and every value a `:v…` one, so reserved
//! words (`year`, `name`, `status`) need no care. DynamoDB's limits are checked here, with
//! typed errors, before any call: 4 KB per expression, 300 operators, path depth 32, 100
//! operands of `IN`.

// Over 400 lines on purpose: one writer renders every kind of expression and counts DynamoDB's
// limits as it writes; split, the counting would be split with it.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::condition::{Cond, Condition};
use super::operand::Node;
use super::update::{Action, Update};
use crate::path::{RawPath, Segment};
use crate::value::{AttributeValue, ValueError};

/// The longest expression string DynamoDB takes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// The most operators and functions in one expression.
pub const MAX_OPERATORS: usize = 300;
/// The deepest document path.
pub const MAX_PATH_DEPTH: usize = 32;
/// The most operands of one `IN`.
pub const MAX_IN_OPERANDS: usize = 100;

/// Why an expression cannot be sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpressionError {
    /// A value in it has no DynamoDB form.
    #[error("a value in the {expression} expression: {source}")]
    Value {
        /// Which expression.
        expression: &'static str,
        /// Why.
        #[source]
        source: ValueError,
    },
    /// Longer than 4 KB.
    #[error("the {expression} expression is {bytes} bytes; DynamoDB takes at most 4096")]
    TooLong {
        /// Which expression.
        expression: &'static str,
        /// Its length.
        bytes: usize,
    },
    /// More than 300 operators.
    #[error("the {expression} expression has {operators} operators; DynamoDB takes at most 300")]
    TooManyOperators {
        /// Which expression.
        expression: &'static str,
        /// How many.
        operators: usize,
    },
    /// A path deeper than 32.
    #[error("the path {path} is {depth} levels deep; DynamoDB takes at most 32")]
    TooDeep {
        /// The path.
        path: String,
        /// Its depth.
        depth: usize,
    },
    /// `IN` with more than 100 values (or none).
    #[error("IN has {operands} operands; DynamoDB takes 1 to 100")]
    InOperands {
        /// How many.
        operands: usize,
    },
    /// A path with no attribute (the item itself).
    #[error("an expression refers to the item itself, which is not an attribute")]
    EmptyPath,
    /// An update with no action.
    #[error("the update has no action")]
    EmptyUpdate,
    /// Two update actions on overlapping paths.
    #[error("the update acts on {first} and {second}, which overlap")]
    Overlap {
        /// One path.
        first: String,
        /// The other.
        second: String,
    },
}

/// The placeholders of one request, shared by all its expressions.
#[derive(Debug, Default)]
pub(crate) struct Placeholders {
    names: HashMap<String, String>,
    by_name: HashMap<String, usize>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    fn name(&mut self, name: &str, out: &mut String) {
        let next = self.by_name.len();
        let index = *self.by_name.entry(name.to_owned()).or_insert(next);
        if index == next {
            self.names.insert(format!("#n{index}"), name.to_owned());
        }
        let _ = write!(out, "#n{index}");
    }

    fn value(&mut self, value: AttributeValue, out: &mut String) {
        let placeholder = format!(":v{}", self.values.len());
        out.push_str(&placeholder);
        self.values.insert(placeholder, value);
    }

    /// The name map, `None` when empty (DynamoDB refuses an empty map).
    pub(crate) fn take_names(&mut self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| std::mem::take(&mut self.names))
    }

    /// The value map, `None` when empty.
    pub(crate) fn take_values(&mut self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| std::mem::take(&mut self.values))
    }
}

/// Writes one expression, counting its operators.
pub(crate) struct Writer<'a> {
    placeholders: &'a mut Placeholders,
    expression: &'static str,
    out: String,
    operators: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(placeholders: &'a mut Placeholders, expression: &'static str) -> Self {
        Self {
            placeholders,
            expression,
            out: String::with_capacity(64),
            operators: 0,
        }
    }

    /// The expression, checked against DynamoDB's limits.
    pub(crate) fn finish(self) -> Result<String, ExpressionError> {
        if self.out.len() > MAX_EXPRESSION_BYTES {
            return Err(ExpressionError::TooLong {
                expression: self.expression,
                bytes: self.out.len(),
            });
        }
        if self.operators > MAX_OPERATORS {
            return Err(ExpressionError::TooManyOperators {
                expression: self.expression,
                operators: self.operators,
            });
        }
        Ok(self.out)
    }

    pub(crate) fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn operator(&mut self, text: &str) {
        self.operators += 1;
        self.out.push_str(text);
    }

    pub(crate) fn path(&mut self, path: &RawPath) -> Result<(), ExpressionError> {
        let segments = path.segments();
        if path.top().is_none() {
            return Err(ExpressionError::EmptyPath);
        }
        if segments.len() > MAX_PATH_DEPTH {
            return Err(ExpressionError::TooDeep {
                path: path.to_string(),
                depth: segments.len(),
            });
        }
        for (i, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Name(name) => {
                    if i > 0 {
                        self.out.push('.');
                    }
                    self.placeholders.name(name, &mut self.out);
                }
                Segment::Index(index) => {
                    let _ = write!(self.out, "[{index}]");
                }
            }
        }
        Ok(())
    }

    pub(crate) fn value(
        &mut self,
        value: &Result<AttributeValue, ValueError>,
    ) -> Result<(), ExpressionError> {
        match value {
            Ok(value) => {
                self.placeholders.value(value.clone(), &mut self.out);
                Ok(())
            }
            Err(source) => Err(ExpressionError::Value {
                expression: self.expression,
                source: source.clone(),
            }),
        }
    }

    pub(crate) fn node(&mut self, node: &Node) -> Result<(), ExpressionError> {
        match node {
            Node::Path(path) => self.path(path),
            Node::Value(value) => self.value(value),
            Node::Size(path) => self.function("size", path, None),
            Node::IfNotExists(path, default) => self.function("if_not_exists", path, Some(default)),
            Node::ListAppend(a, b) => {
                self.operator("list_append(");
                self.node(a)?;
                self.text(", ");
                self.node(b)?;
                self.text(")");
                Ok(())
            }
            Node::Plus(a, b) | Node::Minus(a, b) => {
                self.node(a)?;
                self.operator(if matches!(node, Node::Plus(..)) {
                    " + "
                } else {
                    " - "
                });
                self.node(b)
            }
        }
    }

    fn function(
        &mut self,
        name: &str,
        path: &RawPath,
        operand: Option<&Node>,
    ) -> Result<(), ExpressionError> {
        self.operator(name);
        self.text("(");
        self.path(path)?;
        if let Some(operand) = operand {
            self.text(", ");
            self.node(operand)?;
        }
        self.text(")");
        Ok(())
    }

    pub(crate) fn condition(&mut self, cond: &Cond) -> Result<(), ExpressionError> {
        match cond {
            Cond::Compare(op, a, b) => {
                self.node(a)?;
                self.operator(&format!(" {} ", op.as_str()));
                self.node(b)
            }
            Cond::Between(a, low, high) => {
                self.node(a)?;
                self.operator(" BETWEEN ");
                self.node(low)?;
                self.text(" AND ");
                self.node(high)
            }
            Cond::In(a, values) => {
                if values.is_empty() || values.len() > MAX_IN_OPERANDS {
                    return Err(ExpressionError::InOperands {
                        operands: values.len(),
                    });
                }
                self.node(a)?;
                self.operator(" IN (");
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        self.text(", ");
                    }
                    self.node(value)?;
                }
                self.text(")");
                Ok(())
            }
            Cond::Exists(path) => self.function("attribute_exists", path, None),
            Cond::NotExists(path) => self.function("attribute_not_exists", path, None),
            Cond::Type(path, kind) => {
                let kind = Node::Value(Ok(AttributeValue::S(kind.as_str().to_owned())));
                self.function("attribute_type", path, Some(&kind))
            }
            Cond::BeginsWith(path, prefix) => self.function("begins_with", path, Some(prefix)),
            Cond::Contains(path, operand) => self.function("contains", path, Some(operand)),
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.text("(");
                self.condition(a)?;
                self.operator(if matches!(cond, Cond::And(..)) {
                    ") AND ("
                } else {
                    ") OR ("
                });
                self.condition(b)?;
                self.text(")");
                Ok(())
            }
            Cond::Not(a) => {
                self.operator("NOT (");
                self.condition(a)?;
                self.text(")");
                Ok(())
            }
        }
    }
}

/// An expression with its placeholders, ready for the SDK: for calls this crate does not make,
/// or to log what would be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The expression, with `#n…` for names and `:v…` for values.
    pub expression: String,
    /// `ExpressionAttributeNames`.
    pub names: HashMap<String, String>,
    /// `ExpressionAttributeValues`.
    pub values: HashMap<String, AttributeValue>,
}

impl Rendered {
    fn new(expression: String, mut placeholders: Placeholders) -> Self {
        Self {
            expression,
            names: placeholders.take_names().unwrap_or_default(),
            values: placeholders.take_values().unwrap_or_default(),
        }
    }
}

impl Condition {
    /// The condition as an expression string and its placeholder maps.
    ///
    /// # Errors
    ///
    /// [`ExpressionError`] when it breaks one of DynamoDB's limits or holds a value with no
    /// DynamoDB form.
    pub fn render(&self) -> Result<Rendered, ExpressionError> {
        let mut placeholders = Placeholders::default();
        let expression = condition(&mut placeholders, "condition", self)?;
        Ok(Rendered::new(expression, placeholders))
    }
}

impl Update {
    /// The update as an expression string and its placeholder maps.
    ///
    /// # Errors
    ///
    /// As [`Condition::render`], and for an empty update or overlapping paths.
    pub fn render(&self) -> Result<Rendered, ExpressionError> {
        let mut placeholders = Placeholders::default();
        let expression = update(&mut placeholders, self)?;
        Ok(Rendered::new(expression, placeholders))
    }
}

/// Compiles a condition (or filter) expression.
pub(crate) fn condition(
    placeholders: &mut Placeholders,
    expression: &'static str,
    condition: &Condition,
) -> Result<String, ExpressionError> {
    let mut writer = Writer::new(placeholders, expression);
    writer.condition(&condition.cond)?;
    writer.finish()
}

/// Compiles an update expression: `SET a = :v0, b = :v1 REMOVE c ADD d :v2`.
pub(crate) fn update(
    placeholders: &mut Placeholders,
    update: &Update,
) -> Result<String, ExpressionError> {
    if update.actions.is_empty() {
        return Err(ExpressionError::EmptyUpdate);
    }
    for (i, a) in update.actions.iter().enumerate() {
        if let Some(b) = update.actions[i + 1..]
            .iter()
            .find(|b| a.path().overlaps(b.path()))
        {
            return Err(ExpressionError::Overlap {
                first: a.path().to_string(),
                second: b.path().to_string(),
            });
        }
    }
    let mut writer = Writer::new(placeholders, "update");
    for (clause, pick) in [("SET ", 0_u8), ("REMOVE ", 1), ("ADD ", 2), ("DELETE ", 3)] {
        let mut first = true;
        for action in &update.actions {
            let matches = matches!(
                (pick, action),
                (0, Action::Set(..))
                    | (1, Action::Remove(..))
                    | (2, Action::Add(..))
                    | (3, Action::Delete(..))
            );
            if !matches {
                continue;
            }
            if first {
                if !writer.out.is_empty() {
                    writer.text(" ");
                }
                writer.text(clause);
                first = false;
            } else {
                writer.text(", ");
            }
            match action {
                Action::Set(path, value) => {
                    writer.path(path)?;
                    writer.operator(" = ");
                    writer.node(value)?;
                }
                Action::Remove(path) => {
                    writer.operators += 1;
                    writer.path(path)?;
                }
                Action::Add(path, value) | Action::Delete(path, value) => {
                    writer.operators += 1;
                    writer.path(path)?;
                    writer.text(" ");
                    writer.node(value)?;
                }
            }
        }
    }
    writer.finish()
}

/// Compiles a projection expression from paths.
pub(crate) fn projection<'p>(
    placeholders: &mut Placeholders,
    paths: impl IntoIterator<Item = &'p RawPath>,
) -> Result<String, ExpressionError> {
    let mut writer = Writer::new(placeholders, "projection");
    for (i, path) in paths.into_iter().enumerate() {
        if i > 0 {
            writer.text(", ");
        }
        writer.path(path)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Path;

    fn path<T>(name: &str) -> Path<T> {
        Path::new(RawPath::attribute(name))
    }

    #[test]
    fn reserved_words_get_placeholders_and_names_are_shared() {
        let year: Path<i32> = path("year");
        let status: Path<String> = path("status");
        let mut placeholders = Placeholders::default();
        let text = condition(
            &mut placeholders,
            "condition",
            &(year.eq(2015) & (status.begins_with("act") | !year.gt(2020))),
        )
        .unwrap();
        assert_eq!(
            text,
            "(#n0 = :v0) AND ((begins_with(#n1, :v1)) OR (NOT (#n0 > :v2)))"
        );
        let names = placeholders.take_names().unwrap();
        assert_eq!(names["#n0"], "year");
        assert_eq!(names["#n1"], "status");
        assert_eq!(placeholders.take_values().unwrap().len(), 3);
    }

    #[test]
    fn updates_group_their_clauses() {
        let rating: Path<f64> = path("rating");
        let tags: Path<std::collections::BTreeSet<String>> = path("tags");
        let actors: Path<Vec<String>> = path("actors");
        let mut placeholders = Placeholders::default();
        let text = update(
            &mut placeholders,
            &(rating.set(&rating + 1)
                & tags.delete(std::collections::BTreeSet::from(["old".to_owned()]))
                & actors.at(0).remove()),
        )
        .unwrap();
        assert_eq!(text, "SET #n0 = #n0 + :v0 REMOVE #n1[0] DELETE #n2 :v1");
    }

    #[test]
    fn limits_are_checked() {
        let year: Path<i32> = path("year");
        let mut placeholders = Placeholders::default();
        let many = year.is_in(0..101);
        assert!(matches!(
            condition(&mut placeholders, "filter", &many),
            Err(ExpressionError::InOperands { operands: 101 })
        ));
        let wide = Condition::any((0..300).map(|n| year.eq(n))).unwrap();
        assert!(matches!(
            condition(&mut placeholders, "filter", &wide),
            Err(ExpressionError::TooLong { .. })
        ));
        let mut nested = year.eq(1);
        for _ in 0..300 {
            nested = !nested;
        }
        assert!(matches!(
            condition(&mut placeholders, "filter", &nested),
            Err(ExpressionError::TooManyOperators { operators: 301, .. })
        ));
        let mut deep = RawPath::attribute("a");
        for _ in 0..32 {
            deep = deep.child("b");
        }
        let deep: Path<i32> = Path::new(deep);
        assert!(matches!(
            condition(&mut placeholders, "filter", &deep.eq(1)),
            Err(ExpressionError::TooDeep { depth: 33, .. })
        ));
        let overlap = year.set(1) & year.remove();
        assert!(matches!(
            update(&mut placeholders, &overlap),
            Err(ExpressionError::Overlap { .. })
        ));
        assert!(matches!(
            update(&mut placeholders, &Update::new()),
            Err(ExpressionError::EmptyUpdate)
        ));
    }
}
