//! The error of `updraft-sns`.

use updraft_core::aws::AwsError;
use updraft_core::error::{Kind, Surface};
use updraft_core::message::batch::Rejected;
use updraft_core::message::outbound::OutboundError;

/// Why a message was not published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message breaks a rule SNS and SQS share, found before any call: it does not
    /// serialise, is over 256 KiB with its attributes, has a bad attribute, or its FIFO ids do
    /// not fit the topic.
    #[error(transparent)]
    Message(#[from] OutboundError),

    /// The subject breaks the SNS rules.
    #[error("invalid subject: {0}")]
    InvalidSubject(String),

    /// An empty batch was published.
    #[error("the batch is empty")]
    EmptyBatch,

    /// No topic has this name (in the account and region of the configuration): a fault of
    /// this service's configuration (500). The message leaves the name out; it is the field.
    #[error("no SNS topic has the configured name")]
    TopicNotFound(String),

    /// SNS refused this message of a batch, after the retries for transient refusals.
    #[error("SNS refused the message: {0}")]
    Rejected(#[from] Rejected),

    /// An SNS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl Surface for Error {
    fn kind(&self) -> Kind {
        match self {
            Error::Message(_) | Error::InvalidSubject(_) | Error::EmptyBatch => Kind::BadInput,
            Error::TopicNotFound(_) => Kind::Config,
            Error::Rejected(rejected) => rejected.kind(),
            Error::Aws(e) => e.kind(),
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            Error::Message(OutboundError::TooLarge { .. }) => "updraft.sns.TooLarge",
            Error::Message(_) => "updraft.sns.InvalidMessage",
            Error::InvalidSubject(_) => "updraft.sns.InvalidSubject",
            Error::EmptyBatch => "updraft.sns.EmptyBatch",
            Error::TopicNotFound(_) => "updraft.sns.TopicNotFound",
            Error::Rejected(_) => "updraft.sns.Rejected",
            Error::Aws(_) => "updraft.sns.Aws",
        }
    }
}
