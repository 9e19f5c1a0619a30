#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use updraft_core as core;

#[cfg(feature = "contexts")]
#[cfg_attr(docsrs, doc(cfg(feature = "contexts")))]
pub use updraft_contexts as contexts;

/// The preludes of every enabled crate, for `use updraft::prelude::*`.
pub mod prelude {
    #[cfg(feature = "contexts")]
    pub use updraft_contexts::prelude::*;
    pub use updraft_core::prelude::*;
}
