//! The baseline Lambda function: `lambda_http::run` over the hello router, nothing else.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(bench_contexts::hello_router()).await
}
