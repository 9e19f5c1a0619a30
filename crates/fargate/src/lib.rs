#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "launcher")]
mod builder;
#[cfg(feature = "launcher")]
mod ecs;
#[cfg(feature = "launcher")]
mod error;
#[cfg(feature = "launcher")]
mod executor;
#[cfg(feature = "launcher")]
mod local;
#[cfg(feature = "launcher")]
mod overrides;
#[cfg(feature = "launcher")]
mod settings;
mod status;
#[cfg(feature = "task")]
#[cfg_attr(docsrs, doc(cfg(feature = "task")))]
pub mod task;

#[cfg(feature = "launcher")]
#[cfg_attr(docsrs, doc(cfg(feature = "launcher")))]
pub use builder::ExecutorBuilder;
#[cfg(feature = "launcher")]
#[cfg_attr(docsrs, doc(cfg(feature = "launcher")))]
pub use error::Error;
#[cfg(feature = "launcher")]
#[cfg_attr(docsrs, doc(cfg(feature = "launcher")))]
pub use executor::Executor;
#[cfg(feature = "launcher")]
#[cfg_attr(docsrs, doc(cfg(feature = "launcher")))]
pub use overrides::{OVERRIDES_LIMIT, STATE_TAG, STATE_VAR, TASK_TAG};
#[cfg(feature = "launcher")]
#[cfg_attr(docsrs, doc(cfg(feature = "launcher")))]
pub use settings::Target;
pub use status::{ContainerStatus, TaskStatus};
#[cfg(feature = "task")]
#[cfg_attr(docsrs, doc(cfg(feature = "task")))]
pub use task::{Task, TaskContext, run};
