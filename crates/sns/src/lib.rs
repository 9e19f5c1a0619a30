#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod message;
mod topic;

/// The AWS SDK for SNS, for what this crate does not wrap (creating and configuring it, say).
pub use aws_sdk_sns;
pub use error::Error;
pub use message::{MAX_SUBJECT_CHARS, PublishOptions};
pub use topic::{Published, Topic};
pub use updraft_core::message::Attributes;
pub use updraft_core::message::batch::{BatchPolicy, Rejected};
pub use updraft_core::message::outbound::OutboundError;
