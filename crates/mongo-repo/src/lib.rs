#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
mod declaration;
mod error;
mod index;
pub mod json;
mod mongo;
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub mod proxy;
mod repository;
mod states;
mod sync;
mod uri;

pub use declaration::{Declaration, Route};
pub use error::Error;
pub use index::{Direction, Index};
pub use mongo::{Cluster, Mongo, db, external};
pub use mongodb;
pub use mongodb::bson;
pub use repository::{Model, Repository, Updated};
pub use states::States;
pub use sync::{IndexSync, Synced};
