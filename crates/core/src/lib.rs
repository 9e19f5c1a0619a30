#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub mod aws;
pub mod backoff;
pub mod calendar;
pub mod digest;
mod dotenv;
pub mod env;
pub mod envelope;
pub mod error;
pub mod invocation;
#[cfg(feature = "logging")]
#[cfg_attr(docsrs, doc(cfg(feature = "logging")))]
pub mod logging;
pub mod message;
pub mod session;
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
pub mod shutdown;
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub mod signed;

#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use aws_types::SdkConfig;
pub use env::Env;
pub use error::{Error, Kind, Surface};
pub use invocation::{Invocation, TraceHeader};
pub use session::{Session, SessionHeader};
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use signed::SignedClient;

/// The items most services use, for `use updraft_core::prelude::*`.
pub mod prelude {
    pub use crate::error::{Kind, Surface};
    pub use crate::{Env, Error, Session, SessionHeader};
    #[cfg(feature = "aws")]
    pub use crate::{SdkConfig, SignedClient};
}
