//! `orders-api`: `POST /orders` and `GET /orders/{id}`, in Lambda (any HTTP source) or, outside
//! it, on `127.0.0.1:$PORT`.

use example_orders_service::{Failure, api, main_of};
use updraft::core::Env;
use updraft::core::aws::ConfigLoader;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    main_of("orders-api", Box::pin(serve())).await
}

async fn serve() -> Result<(), Failure> {
    let env = Env::load()?;
    let config = ConfigLoader::new().env(env.clone()).load().await?;
    api::app(&config, &env)?.run().await?;
    Ok(())
}
