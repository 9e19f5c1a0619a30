#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
mod error;
#[cfg(feature = "extension")]
mod extension;
mod provider;
mod reference;
mod request;
mod resolve;
mod secret;
mod secrets_manager;
mod ssm;

/// The AWS SDK for Secrets Manager, for what this crate does not wrap.
pub use aws_sdk_secretsmanager;
/// The AWS SDK for SSM, for what this crate does not wrap.
pub use aws_sdk_ssm;
pub use cache::{
    Cache, CacheSettings, MAX_ENTRIES_VAR, MAX_STALENESS_VAR, MAX_TTL, ReadOptions, Stats, TTL_VAR,
};
pub use error::{Error, Unresolved};
#[cfg(feature = "extension")]
#[cfg_attr(docsrs, doc(cfg(feature = "extension")))]
pub use extension::{DEFAULT_PORT, Extension, PORT_VAR, TOKEN_HEADER};
pub use provider::{BATCH_CONCURRENCY, FETCH_CONCURRENCY, Provider};
pub use reference::{Reference, Store};
pub use request::{Request, Version};
pub use resolve::{Resolved, Resolver, resolve_env};
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
pub use secret::{REDACTED, Secret};
pub use secrets_manager::{BATCH_MAX, SecretsManager};
pub use ssm::{GET_PARAMETERS_MAX, SECRETS_MANAGER_REFERENCE, Ssm};
