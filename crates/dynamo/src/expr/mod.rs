//! Expressions: conditions and filters, updates, key conditions and projections, built from
//! typed [`Path`](crate::Path)s and compiled with placeholders for every name and value.

pub(crate) mod compile;
mod condition;
mod operand;
mod projection;
mod update;

pub use compile::{
    ExpressionError, MAX_EXPRESSION_BYTES, MAX_IN_OPERANDS, MAX_OPERATORS, MAX_PATH_DEPTH, Rendered,
};
pub use condition::{Condition, Size};
pub(crate) use operand::Node;
pub use operand::{Arithmetic, IntoOperand, Operand};
pub use projection::Projection;
pub use update::Update;
