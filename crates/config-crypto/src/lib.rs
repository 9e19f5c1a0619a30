//! Per-stage encrypted configuration (work in progress; see README.md for the design).

mod crypto;
mod error;
pub mod open;
pub mod stage;

pub use error::Error;
