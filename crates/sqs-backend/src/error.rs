//! The error of `updraft-sqs-backend`.

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};
use updraft_core::message::batch::Rejected;
use updraft_core::message::outbound::OutboundError;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message breaks a rule SQS and SNS share, found before any call: it does not
    /// serialise, is over 256 KiB with its attributes, has a bad attribute, or its FIFO ids do
    /// not fit the queue.
    #[error(transparent)]
    Message(#[from] OutboundError),

    /// An SQS-only option does not fit: a delay over 15 minutes, or any delay on a FIFO queue.
    #[error("{0}")]
    InvalidOption(String),

    /// An empty batch was sent.
    #[error("the batch is empty")]
    EmptyBatch,

    /// SQS refused this message of a batch, after the retries for transient refusals.
    #[error("SQS refused the message: {0}")]
    Rejected(#[from] Rejected),

    /// An SQS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),

    /// The queue's address could not be made from the environment: a variable is missing or
    /// malformed (core's `MissingVar` / `InvalidVar`, naming it).
    #[error(transparent)]
    Config(updraft_core::Error),
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Message(_) | Error::InvalidOption(_) | Error::EmptyBatch => Kind::BadInput,
            Error::Rejected(rejected) => rejected.kind(),
            Error::Aws(e) => e.kind(),
            Error::Config(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Message(OutboundError::TooLarge { .. }) => "updraft.sqs.TooLarge",
            Error::Message(_) => "updraft.sqs.InvalidMessage",
            Error::InvalidOption(_) => "updraft.sqs.InvalidOption",
            Error::EmptyBatch => "updraft.sqs.EmptyBatch",
            Error::Rejected(_) => "updraft.sqs.Rejected",
            Error::Aws(_) => "updraft.sqs.Aws",
            Error::Config(e) => e.error_type(),
        }
    }
}
