//! `orders-report`: the Fargate task. Requires `ORDER_ID` and the session the consumer
//! launched it with; writes the order's report into the state's MongoDB database. Exit codes
//! are `updraft::fargate::run`'s (78 for a missing variable).

use std::process::ExitCode;

use example_orders_service::report::ReportTask;

#[tokio::main]
async fn main() -> ExitCode {
    let task = async {
        let (env, config) = example_orders_service::configuration().await?;
        ReportTask::from_env(&config, &env)
            .await
            .map_err(Into::into)
    };
    match task.await {
        Ok(task) => updraft::fargate::run(task).await,
        Err(error) => {
            let error: example_orders_service::Failure = error;
            #[allow(clippy::print_stderr, reason = "why the task could not start")]
            {
                eprintln!("orders-report: {error}");
            }
            // The task's configuration is incomplete: EX_CONFIG, as `run` answers for it.
            ExitCode::from(78)
        }
    }
}
