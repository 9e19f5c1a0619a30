#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use updraft_core as core;

#[cfg(feature = "contexts-events")]
#[cfg_attr(docsrs, doc(cfg(feature = "contexts-events")))]
pub use updraft_contexts as contexts;

#[cfg(feature = "dynamo")]
#[cfg_attr(docsrs, doc(cfg(feature = "dynamo")))]
pub use updraft_dynamo as dynamo;

#[cfg(feature = "sqs-backend")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqs-backend")))]
pub use updraft_sqs_backend as sqs_backend;

#[cfg(feature = "secrets")]
#[cfg_attr(docsrs, doc(cfg(feature = "secrets")))]
pub use updraft_secrets as secrets;

#[cfg(any(feature = "rds-iam-auth", feature = "rds-iam-auth-mysql"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "rds-iam-auth", feature = "rds-iam-auth-mysql")))
)]
pub use updraft_rds_iam_auth as rds_iam_auth;

#[cfg(feature = "sns")]
#[cfg_attr(docsrs, doc(cfg(feature = "sns")))]
pub use updraft_sns as sns;

#[cfg(feature = "websocket")]
#[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
pub use updraft_websocket as websocket;

#[cfg(feature = "apigw-authorizer")]
#[cfg_attr(docsrs, doc(cfg(feature = "apigw-authorizer")))]
pub mod apigw_authorizer;

#[cfg(feature = "fargate-task")]
#[cfg_attr(docsrs, doc(cfg(feature = "fargate-task")))]
pub use updraft_fargate as fargate;

#[cfg(feature = "invoke-api")]
#[cfg_attr(docsrs, doc(cfg(feature = "invoke-api")))]
pub use updraft_invoke as invoke;

#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub use updraft_idempotency as idempotency;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use updraft_metrics as metrics;

#[cfg(feature = "mongo-repo")]
#[cfg_attr(docsrs, doc(cfg(feature = "mongo-repo")))]
pub use updraft_mongo_repo as mongo_repo;

#[cfg(feature = "config-crypto")]
#[cfg_attr(docsrs, doc(cfg(feature = "config-crypto")))]
pub use updraft_config_crypto as config_crypto;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub use updraft_testkit as testing;

pub mod tutorial;

/// The preludes of every enabled crate, for `use updraft::prelude::*`.
pub mod prelude {
    #[cfg(feature = "contexts-http")]
    pub use updraft_contexts::prelude::*;
    pub use updraft_core::prelude::*;
    #[cfg(feature = "dynamo")]
    pub use updraft_dynamo::prelude::*;
}
