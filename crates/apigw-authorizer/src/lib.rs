#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod arn;
mod context;
mod error;
mod event;
mod response;

pub use arn::MethodArn;
/// The event types this crate reads, for their other fields.
pub use aws_lambda_events;
pub use context::{Context, ContextNumber, ContextValue};
pub use error::{Denial, Error, Unauthorized, unauthorized};
pub use event::{Event, HttpEvent, RequestEvent, TokenEvent, WebSocketEvent};
pub use response::{Effect, Invalid, Policy, Response, Simple, Statement, invalid, invalid_with};
