//! `orders-websocket`: `$connect` subscribes a connection to an order's status changes; in
//! Lambda, or outside it once on an event from a file or stdin.

use example_orders_service::subscribers::Subscribe;
use example_orders_service::{Failure, main_of};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    main_of("orders-websocket", Box::pin(serve())).await
}

async fn serve() -> Result<(), Failure> {
    let (env, config) = example_orders_service::configuration().await?;
    Subscribe::from_env(&config, &env)?.routes().run().await?;
    Ok(())
}
