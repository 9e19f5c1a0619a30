#![doc = include_str!("../README.md")]

pub mod closed;
mod crypto;
pub mod environment;
mod error;
mod kms;
mod load;
pub mod open;
pub mod output;
pub mod render;
pub mod sops;
pub mod stage;
mod tree;
pub mod value;
pub mod write;

pub use environment::Environments;
pub use error::Error;
pub use kms::Kms;
pub use load::{FILE_VAR, STAGE_VAR, load, load_sops, load_with, read_file};
