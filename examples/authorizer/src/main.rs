//! `authorizer`: the TOKEN authorizer, served by the Lambda runtime in Lambda, or run once on
//! an event from a file or stdin outside it.

use updraft::contexts::lambda_runtime::service_fn;

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    updraft::contexts::cli::run(service_fn(example_authorizer::authorize)).await
}
