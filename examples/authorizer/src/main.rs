//! `authorizer`: the TOKEN authorizer, served by the Lambda runtime in Lambda, or run once on
//! an event from a file or stdin outside it.

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    updraft::apigw_authorizer::run(example_authorizer::authorize).await
}
