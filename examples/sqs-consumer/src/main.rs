//! `sqs-consumer`: in Lambda, answers SQS batches with their failed records; outside Lambda,
//! polls `UPDRAFT_SQS_QUEUE_URL`, or runs one event given as a file or on stdin.

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    updraft::contexts::sqs::consumer(example_sqs_consumer::handle)
        .run()
        .await
}
