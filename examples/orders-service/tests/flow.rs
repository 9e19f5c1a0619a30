//! The whole flow on the local servers, the functions as processes: the state after each hop,
//! the session's state at every hop, a duplicate delivery that changes nothing, a poison
//! message that ends in the dead-letter queue, and callers kept to their own orders.
//!
//! moto's API Gateway Management API takes a push to any connection id and never answers 410,
//! so a fake stands in front of it for the pushes (`updraft::testing::gone_connections`): ids
//! starting with `stale` answer as API Gateway does for a gone connection; every other push
//! reaches moto.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use example_orders_service::local::{Caller, Functions, Stack, connect_event};
use example_orders_service::model::{NewOrder, OrderCreated, status};
use example_orders_service::pricing;
use updraft::contexts::aws_sdk_sqs;
use updraft::core::Session;
use updraft::sns::Topic;
use updraft::testing::{FaultProxy, aws_config, gone_connections, servers_env};

fn bins() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_orders-api"))
        .parent()
        .unwrap()
        .to_owned()
}

fn desk(quantity: u32) -> NewOrder {
    NewOrder {
        item: "standing desk".into(),
        quantity,
        unit_cents: 45_000,
    }
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: not after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one flow, asserted hop by hop in the order the hops run"
)]
async fn an_order_goes_through_every_hop_once_and_poison_ends_in_the_dead_letter_queue() {
    let config = aws_config().await;
    let servers = servers_env();
    let mut stack = Stack::create(&config, &servers).await.unwrap();
    let moto = servers
        .require("MOTO_URL")
        .unwrap()
        .trim_start_matches("http://");
    let pushes = FaultProxy::start(moto.parse().unwrap(), gone_connections).await;
    stack.set_var("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", &pushes.url());
    let logs = std::env::temp_dir().join(format!("orders-flow-{}", stack.run));
    let mut functions = Functions::start(&stack, &servers, &bins(), &logs).unwrap();
    let ann = Caller::new(&functions.api_url, &stack.token, &stack.state).unwrap();

    // Hop 1: the API writes the order under the caller's state and answers the retry with the
    // same order.
    let order = ann.create("flow-key-1", &desk(3)).await.unwrap();
    assert_eq!(order.status, status::RECEIVED);
    assert_eq!(
        (order.state.as_str(), order.customer.as_str()),
        ("ohio", "ann")
    );
    assert_eq!(order.total_cents, 135_000);
    let retried = ann.create("flow-key-1", &desk(3)).await.unwrap();
    assert_eq!(retried.id, order.id, "the retry gets the stored answer");
    let scanned = stack.orders.scan().all().await.unwrap();
    assert_eq!(scanned.len(), 1, "one order, not two");

    // Callers are kept to their own state, and a body that fails validation is a 400, not a
    // write.
    let texas = Caller::new(&functions.api_url, &stack.token, "texas").unwrap();
    assert_eq!(texas.get(&order.id).await.unwrap_err().status(), Some(404));
    let stranger = Caller::new(&functions.api_url, "tok-unknown", "ohio").unwrap();
    assert_eq!(
        stranger.get(&order.id).await.unwrap_err().status(),
        Some(401)
    );
    for (i, bad) in [
        desk(0),
        NewOrder {
            item: String::new(),
            ..desk(1)
        },
        NewOrder {
            unit_cents: 0,
            ..desk(1)
        },
    ]
    .iter()
    .enumerate()
    {
        let error = ann.create(&format!("bad-{i}"), bad).await.unwrap_err();
        assert_eq!(error.status(), Some(400), "{error}");
    }
    // A key used again with another body is refused, never answered with the first's answer.
    let error = ann.create("flow-key-1", &desk(4)).await.unwrap_err();
    assert_eq!(error.status(), Some(422), "{error}");
    assert_eq!(stack.orders.scan().all().await.unwrap().len(), 1);

    // Hop 4 (before the consumer runs): the customer subscribes; another state may not.
    let connect = |connection: &str, state: &str| {
        connect_event(
            "$connect",
            connection,
            &[("order", &order.id)],
            &[
                ("Authorization", &format!("Bearer {}", stack.token)),
                ("constitution-state", state),
            ],
        )
    };
    let answer = functions
        .invoke_websocket(&connect("conn-ann", "ohio"))
        .unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let answer = functions
        .invoke_websocket(&connect("conn-texas", "texas"))
        .unwrap();
    assert_eq!(answer["statusCode"], 404, "{answer}");
    let mut no_token = connect("conn-anon", "ohio");
    no_token["headers"]
        .as_object_mut()
        .unwrap()
        .remove("Authorization");
    let answer = functions.invoke_websocket(&no_token).unwrap();
    assert_eq!(answer["statusCode"], 401, "{answer}");
    let subscribers = stack
        .subscriptions
        .query(order.id.as_str())
        .all()
        .await
        .unwrap();
    assert_eq!(subscribers.len(), 1);
    assert_eq!(subscribers[0].connection_id, "conn-ann");

    // Hops 2 and 3: the consumer prices it in ohio (so the session reached the pricing
    // function), stores and signs it, launches the report task, which writes into ohio's
    // database (so the session reached the task), and the order ends `reported`.
    functions.start_consumer().unwrap();
    let done = ann
        .wait_for(&order.id, status::REPORTED, Duration::from_secs(60))
        .await;
    functions.check().unwrap();
    let done = done.unwrap();
    let ohio_tax = pricing::tax_of(135_000, pricing::rate("ohio")).unwrap();
    assert_eq!(done.tax_cents, Some(ohio_tax));
    assert!(
        done.report_task
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:ecs:")
    );
    let rows = stack.stored(&config, &order.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "ohio");
    assert_eq!(rows[0].tax_cents, i64::try_from(ohio_tax).unwrap());
    assert_eq!(rows[0].signature.len(), 64);
    let reports = stack.reports(&servers, "ohio", &order.id).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].grand_total_cents, 135_000 + ohio_tax);
    // Another state's database has no report (or the state is not active at all).
    if let Ok(found) = stack.reports(&servers, "texas", &order.id).await {
        assert!(found.is_empty());
    }
    let consumer_log = functions.log("orders-consumer");
    assert_eq!(
        consumer_log.matches("status pushed").count(),
        2,
        "{consumer_log}"
    );
    assert!(
        consumer_log.contains("\"OrdersConfirmed\":1"),
        "{consumer_log}"
    );

    // A duplicate delivery of the same OrderCreated (SNS and SQS deliver at least once): it
    // succeeds and changes nothing.
    let topic: Topic<OrderCreated> = Topic::from_arn(&config, &stack.topic_arn);
    let duplicate = OrderCreated {
        order_id: order.id.clone(),
        total_cents: order.total_cents,
    };
    Session::with_state("ohio")
        .scope(topic.publish(&duplicate))
        .await
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(&config);
    eventually("the duplicate is consumed", || {
        let log = functions.log("orders-consumer");
        async move { log.matches("received=1 deleted=1").count() >= 2 }
    })
    .await;
    assert_eq!(stack.stored(&config, &order.id).await.unwrap(), rows);
    assert_eq!(
        stack
            .reports(&servers, "ohio", &order.id)
            .await
            .unwrap()
            .len(),
        1
    );
    let log = functions.log("orders-consumer");
    assert_eq!(log.matches("order confirmed").count(), 1, "{log}");
    assert_eq!(log.matches("started a local task").count(), 1, "{log}");

    // A poison message fails each time and, after the queue's maxReceiveCount, is in the
    // dead-letter queue, not lost and not retried forever.
    sqs.send_message()
        .queue_url(&stack.queue_url)
        .message_body("{\"order_id\": 42}")
        .send()
        .await
        .unwrap();
    let config_ref = &config;
    let stack_ref = &stack;
    eventually(
        "the poison message reaches the dead-letter queue",
        || async move { stack_ref.dead_letters(config_ref).await.unwrap() == 1 },
    )
    .await;
    functions.check().unwrap();
    let answer = ann.get(&order.id).await.unwrap();
    assert_eq!(answer.status, status::REPORTED);

    drop(functions);
    stack.delete(&config).await.unwrap();
    let _ = std::fs::remove_dir_all(logs);
}
