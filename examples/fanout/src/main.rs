//! `fanout`: publishes 25 orders to a topic, fans them out to two queues, and prints what each
//! queue got and one decoded order with its Session.

use std::io::Write as _;

use updraft::core::aws;
use updraft::sns::Topic;

#[tokio::main]
async fn main() -> Result<(), example_fanout::Error> {
    let config = aws::load().await?;
    let suffix = format!(
        "{}-{}",
        std::process::id(),
        std::time::UNIX_EPOCH.elapsed()?.as_millis()
    );
    let bus = example_fanout::Bus::create(&config, &suffix).await?;
    let topic: Topic<example_fanout::Order> = Topic::from_arn(&config, &bus.topic_arn);
    example_fanout::publish_orders(&topic, 25).await?;
    let all = example_fanout::drain(&config, &bus.all_url).await?;
    let high = example_fanout::drain(&config, &bus.high_url).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "queue all: {}", all.len())?;
    writeln!(out, "queue high: {}", high.len())?;
    if let Some(record) = high.first() {
        let body = serde_json::to_string(&record.body)?;
        let state = record.session().state.as_deref().unwrap_or("none");
        writeln!(out, "decoded: {body} session state: {state}")?;
    }
    bus.delete().await?;
    Ok(())
}
