#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod address;
mod error;
mod message;
mod queue;

pub use address::{DEFAULT_PATTERN, PATTERN_VAR, QueueUrl};
/// The AWS SDK for SQS, for what this crate does not wrap (creating and configuring it, say).
pub use aws_sdk_sqs;
pub use error::Error;
pub use message::{MAX_DELAY, SendOptions};
pub use queue::{Queue, Sent};
pub use updraft_core::message::Attributes;
pub use updraft_core::message::batch::{BatchPolicy, Rejected};
pub use updraft_core::message::outbound::OutboundError;
