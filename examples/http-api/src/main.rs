//! `http-api`: in Lambda (any HTTP source) or, without `AWS_LAMBDA_RUNTIME_API`, on
//! `127.0.0.1:$PORT` (default 3000).

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    example_http_api::app().run().await
}
