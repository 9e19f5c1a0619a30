//! A tour of Updraft, one page per capability. Each page names the features it needs, and its
//! example compiles with exactly those (`cargo xtask test` checks it), so the snippet you copy
//! works with the `features = [...]` the page gives.
//!
//! | page | features |
//! |---|---|
//! | [`http_api`] | `contexts-http` |
//! | [`sqs_consumer`] | `contexts-events` |
//! | [`dynamo_model`] | `dynamo` |
//! | [`secrets`] | `secrets` |
//! | [`rds_pool`] | `rds-iam-auth` |
//! | [`websocket_push`] | `contexts-events`, `websocket` |
//! | [`authorizer`] | `apigw-authorizer` |
//! | [`messaging`] | `sns`, `sqs-backend` |
//! | [`service_calls`] | `invoke` |
//! | [`fargate_tasks`] | `fargate` |
//! | [`metrics`] | `contexts-events`, `metrics` |
//! | [`mongo_repository`] | `contexts-events`, `mongo-repo-proxy` |
//! | [`encrypted_config`] | `config-crypto` |
//!
//! Each page's example is a whole `main`; every runnable example under `examples/` goes
//! further, with tests against the local servers.

#[cfg(feature = "contexts-http")]
#[doc = include_str!("../tutorial/http_api.md")]
pub mod http_api {}

#[cfg(feature = "contexts-events")]
#[doc = include_str!("../tutorial/sqs_consumer.md")]
pub mod sqs_consumer {}

#[cfg(feature = "dynamo")]
#[doc = include_str!("../tutorial/dynamo_model.md")]
pub mod dynamo_model {}

#[cfg(feature = "secrets")]
#[doc = include_str!("../tutorial/secrets.md")]
pub mod secrets {}

#[cfg(feature = "rds-iam-auth")]
#[doc = include_str!("../tutorial/rds_pool.md")]
pub mod rds_pool {}

#[cfg(all(feature = "contexts-events", feature = "websocket"))]
#[doc = include_str!("../tutorial/websocket_push.md")]
pub mod websocket_push {}

#[cfg(feature = "apigw-authorizer")]
#[doc = include_str!("../tutorial/authorizer.md")]
pub mod authorizer {}

#[cfg(all(feature = "sns", feature = "sqs-backend"))]
#[doc = include_str!("../tutorial/messaging.md")]
pub mod messaging {}

#[cfg(feature = "invoke")]
#[doc = include_str!("../tutorial/service_calls.md")]
pub mod service_calls {}

#[cfg(feature = "fargate")]
#[doc = include_str!("../tutorial/fargate_tasks.md")]
pub mod fargate_tasks {}

#[cfg(all(feature = "contexts-events", feature = "metrics"))]
#[doc = include_str!("../tutorial/metrics.md")]
pub mod metrics {}

#[cfg(all(feature = "contexts-events", feature = "mongo-repo-proxy"))]
#[doc = include_str!("../tutorial/mongo_repository.md")]
pub mod mongo_repository {}

#[cfg(feature = "config-crypto")]
#[doc = include_str!("../tutorial/encrypted_config.md")]
pub mod encrypted_config {}
