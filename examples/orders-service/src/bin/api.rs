//! `orders-api`: `POST /orders` and `GET /orders/{id}`, in Lambda (any HTTP source) or, outside
//! it, on `127.0.0.1:$PORT`.

use example_orders_service::{Failure, api, main_of};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    main_of("orders-api", Box::pin(serve())).await
}

async fn serve() -> Result<(), Failure> {
    let (env, config) = example_orders_service::configuration().await?;
    api::app(&config, &env)?.run().await?;
    Ok(())
}
