//! `fargate-report-launch`: `{"session": {...}, "data": {"towns": [...]}}` in, one
//! `fargate-report` task per town launched under that session, `{"tasks": [arn, ...]}` out. In
//! Lambda, or outside it on an event file or stdin, like the other invoke examples.

use std::process::ExitCode;

use example_fargate_report::{Towns, launch};
use updraft::core::Env;
use updraft::fargate::Executor;

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "the launcher's startup error")]
            {
                eprintln!("fargate-report-launch: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    // Built once per process, shared by every invocation; in local mode it needs no AWS
    // configuration at all.
    let executor = Executor::load(&Env::load()?).await?;
    updraft::contexts::invoke::handler(move |towns: Towns| {
        let executor = executor.clone();
        async move { launch(&executor, towns).await }
    })
    .run()
    .await?;
    Ok(())
}
