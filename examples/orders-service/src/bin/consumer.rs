//! `orders-consumer`: the SQS consumer of `OrderCreated`, in Lambda (partial batch responses),
//! or outside it long-polling `UPDRAFT_SQS_QUEUE_URL`.

use example_orders_service::consumer::Consumer;
use example_orders_service::{Failure, main_of};
use updraft::contexts::sqs;
use updraft::dynamo::Dynamo;
use updraft::idempotency::Idempotency;
use updraft::metrics::Metrics;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    main_of("orders-consumer", Box::pin(serve())).await
}

async fn serve() -> Result<(), Failure> {
    // UPDRAFT_METRICS_NAMESPACE and UPDRAFT_SERVICE_NAME, checked at start.
    Metrics::from_env()?.install()?;
    let (env, config) = example_orders_service::configuration().await?;
    let idempotency = Idempotency::from_env(&Dynamo::new(&config), &env)?;
    let consumer = Consumer::from_env(&config, &env).await?;
    sqs::consumer(consumer.handler(&idempotency))
        .concurrency(4)
        .run()
        .await?;
    Ok(())
}
