#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod builder;
mod error;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
mod settings;
mod token;
#[cfg(all(unix, feature = "postgres"))]
mod tunnel;

/// The RDS SDK, whose `auth_token` module signs the tokens.
pub use aws_sdk_rds;
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "mysql"))))]
pub use builder::PoolBuilder;
pub use error::Error;
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "mysql"))))]
pub use pool::RdsPool;
pub use settings::{Auth, DEFAULT_REFRESH, Engine, Settings, vars};
/// sqlx, for the pool types and queries.
pub use sqlx;
pub use token::{Clock, TOKEN_LIFETIME, Token, TokenGenerator};
