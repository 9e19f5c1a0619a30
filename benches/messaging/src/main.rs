//! `count-calls`: how many SendMessageBatch and PublishBatch calls 25 small messages take,
//! against the servers of the AWS configuration (`cargo xtask bench` points it at moto).
//! Prints `COUNT sqs-send-batch-25 <calls>` and `COUNT sns-publish-batch-25 <calls>`; the peer,
//! one SendMessage or Publish per item, takes 25.

use std::io::Write as _;

use serde::Serialize;
use updraft::core::aws;
use updraft::sns::{Topic, aws_sdk_sns};
use updraft::sqs_backend::{Queue, aws_sdk_sqs};

/// A small message.
#[derive(Serialize)]
struct Event {
    id: u32,
    kind: &'static str,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws::load().await?;
    let events: Vec<Event> = (0..25)
        .map(|id| Event {
            id,
            kind: "created",
        })
        .collect();
    let name = format!("count-calls-{}", std::process::id());

    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    let queue: Queue<Event> = Queue::from_url(&config, &url);
    let sent = queue.send_batch(&events).await?;
    let queued = sent.iter().filter(|r| r.is_ok()).count();
    sqs.delete_queue().queue_url(&url).send().await?;

    let sns = aws_sdk_sns::Client::new(&config);
    let arn = sns
        .create_topic()
        .name(&name)
        .send()
        .await?
        .topic_arn
        .unwrap_or_default();
    let topic: Topic<Event> = Topic::from_arn(&config, &arn);
    let published = topic.publish_batch(&events).await?;
    let published_ok = published.iter().filter(|r| r.is_ok()).count();
    sns.delete_topic().topic_arn(&arn).send().await?;

    if queued != events.len() || published_ok != events.len() {
        return Err(format!(
            "only {queued} sent and {published_ok} published of {}",
            events.len()
        )
        .into());
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "COUNT sqs-send-batch-25 {}", queue.batch_calls())?;
    writeln!(out, "COUNT sns-publish-batch-25 {}", topic.batch_calls())?;
    Ok(())
}
