//! `orders-service`: one Updraft service end to end.
//!
//! 1. [`api`]: `POST /orders` validates the body, writes the order to DynamoDB (honouring
//!    `Idempotency-Key`) and publishes `OrderCreated` to SNS under the caller's session;
//!    `GET /orders/{id}` reads it back.
//! 2. [`consumer`]: an SQS consumer subscribed to the topic prices each order through the
//!    [`pricing`] function, signs it with a key from Secrets Manager, stores it in PostgreSQL
//!    through an RDS IAM pool, records metrics, launches a Fargate [`report`] task for a large
//!    order, and pushes each status change to the order's websocket [`subscribers`].
//! 3. [`report`]: the task reads the order and writes a report document into its state's
//!    MongoDB database.
//!
//! [`local`] creates the resources on the local servers and runs the functions as processes,
//! for `orders-demo` and the integration test.

pub mod api;
pub mod consumer;
pub mod local;
pub mod model;
pub mod pricing;
pub mod report;
pub mod subscribers;
pub mod vars;

/// Any failure of a function's start, or of the local run.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// What every function loads at start: the environment (then `./.env`) and the AWS
/// configuration read from it.
///
/// # Errors
///
/// A `.env` that does not parse, or an incomplete or malformed AWS configuration.
pub async fn configuration()
-> Result<(updraft::core::Env, updraft::core::SdkConfig), updraft::core::Error> {
    let env = updraft::core::Env::load()?;
    let config = updraft::core::aws::ConfigLoader::new()
        .env(env.clone())
        .load()
        .await?;
    Ok((env, config))
}

/// A function's `main`: runs `serve`, and on failure writes why to stderr and exits 1.
pub async fn main_of<F>(name: &str, serve: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), Failure>>,
{
    match serve.await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "why the function could not start")]
            {
                eprintln!("{name}: {e}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
