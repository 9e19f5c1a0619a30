//! Per-stage encrypted configuration (work in progress; see README.md for the design).

pub mod closed;
mod crypto;
mod error;
mod kms;
pub mod open;
pub mod render;
pub mod sops;
pub mod stage;
pub mod value;
pub mod write;

pub use error::Error;
pub use kms::Kms;
