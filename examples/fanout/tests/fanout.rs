//! The example's contract, against moto: exactly these lines, and the Session arrives.
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft::sns::Topic;
use updraft::testing::{aws_config, run_with_servers, unique_name};

#[test]
fn the_binary_prints_the_counts_and_one_decoded_order() {
    let stdout = run_with_servers(env!("CARGO_BIN_EXE_fanout"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..2], ["queue all: 25", "queue high: 5"]);
    assert_eq!(
        lines[2],
        r#"decoded: {"id":0,"item":"item 0","total_cents":100} session state: ohio"#
    );
    assert_eq!(lines.len(), 3);
}

#[tokio::test]
async fn every_order_arrives_once_with_its_session_and_only_high_ones_pass_the_filter() {
    let config = aws_config().await;
    let bus = example_fanout::Bus::create(&config, &unique_name("t"))
        .await
        .unwrap();
    let topic: Topic<example_fanout::Order> = Topic::from_arn(&config, &bus.topic_arn);
    example_fanout::publish_orders(&topic, 25).await.unwrap();
    assert_eq!(topic.batch_calls(), 3);
    let all = example_fanout::drain(&config, &bus.all_url).await.unwrap();
    let high = example_fanout::drain(&config, &bus.high_url).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.body.id).collect::<Vec<_>>(),
        (0..25).collect::<Vec<_>>()
    );
    assert_eq!(
        high.iter().map(|r| r.body.id).collect::<Vec<_>>(),
        [0, 5, 10, 15, 20]
    );
    for record in all.iter().chain(&high) {
        assert_eq!(record.session().state.as_deref(), Some("ohio"));
    }
    assert!(
        all.iter()
            .all(|r| r.topic_arn() == Some(bus.topic_arn.as_str())),
        "envelope delivery"
    );
    assert!(high.iter().all(|r| r.topic_arn().is_none()), "raw delivery");
    bus.delete().await.unwrap();
}
