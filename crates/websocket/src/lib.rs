#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod broadcast;
mod client;
mod clients;
mod endpoint;
mod error;

/// The SDK, for what this crate does not cover.
pub use aws_sdk_apigatewaymanagement;
pub use broadcast::{Broadcast, DEFAULT_CONCURRENCY, Report};
pub use client::{ConnectionInfo, MAX_PAYLOAD, Payload, WebsocketClient};
pub use clients::{MAX_CACHED_STAGES, WebsocketClients};
pub use endpoint::Endpoint;
pub use error::Error;
