//! Updraft's developer and CI tasks. See `cargo xtask help`.
#![allow(
    clippy::missing_errors_doc,
    clippy::must_use_candidate,
    reason = "xtask is an internal tool; its functions are not a library API"
)]

pub mod bench;
pub mod demo;
pub mod deploy;
pub mod examples;
pub mod features;
pub mod fuzz;
pub mod isolation;
pub mod openapi;
pub mod process;
pub mod servers;
pub mod test;
pub mod tutorial;

use std::fmt;

/// An xtask failure: a message for the developer.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

/// The result of an xtask step.
pub type Result<T> = std::result::Result<T, Error>;

/// An [`Error`] with `message`.
pub fn fail(message: impl Into<String>) -> Error {
    Error(message.into())
}
