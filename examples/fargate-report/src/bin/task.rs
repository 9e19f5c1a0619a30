//! `fargate-report-task`: the task. Requires `TOWN`, logs its session's state and exits 0;
//! without `TOWN` it exits 78 and names the variable.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    updraft::fargate::run(example_fargate_report::Report).await
}
