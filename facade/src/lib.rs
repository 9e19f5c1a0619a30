#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use updraft_core as core;

/// The preludes of every enabled crate, for `use updraft::prelude::*`.
pub mod prelude {
    pub use updraft_core::prelude::*;
}
