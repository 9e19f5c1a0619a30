//! The launcher against moto's ECS (`cargo xtask servers`), and against a fake endpoint for the
//! two paths moto cannot produce: RunTask `failures`, and a throttled call retried with the
//! same client token.
//!
//! moto's quirks are handled here, never in the crate: task definitions are registered in
//! `bridge` mode with container-level memory (moto 5.2.5 fails on `awsvpc` definitions), and
//! the executor names a security group. moto checks the subnet against its EC2, so the tests
//! launch into moto's default VPC.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode, TaskField};
use updraft_core::aws::backoff::Backoff;
use updraft_core::error::Surface;
use updraft_core::{Kind, SdkConfig, Session};
use updraft_fargate::{Error, Executor, ExecutorBuilder, STATE_TAG, STATE_VAR, TASK_TAG};
use updraft_testkit::{Canned, FakeEndpoint, default_network, unique_name};

/// A cluster with the task definition `<prefix>report` (container of the same name).
async fn cluster(config: &SdkConfig, prefix: &str) -> String {
    let ecs = aws_sdk_ecs::Client::new(config);
    let cluster = unique_name("jobs");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let name = format!("{prefix}report");
    ecs.register_task_definition()
        .family(&name)
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name(&name)
                .image("public.ecr.aws/docker/library/busybox:latest")
                .memory(512)
                .essential(true)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
    cluster
}

fn builder(cluster: &str) -> ExecutorBuilder {
    builder_in(cluster, "subnet-0a1b2c3d", "sg-0a1b2c3d")
}

fn builder_in(cluster: &str, subnet: &str, group: &str) -> ExecutorBuilder {
    Executor::builder(cluster)
        .subnets([subnet])
        .security_groups([group])
        .poll(Backoff::new(
            Duration::from_millis(50),
            Duration::from_millis(200),
            u32::MAX,
        ))
}

async fn moto() -> (SdkConfig, String, Executor) {
    let config = updraft_testkit::aws_config().await;
    let cluster = cluster(&config, "").await;
    let network = default_network(&config).await;
    let executor = builder_in(&cluster, &network.subnet, &network.security_group)
        .build(&config)
        .expect("executor");
    (config, cluster, executor)
}

#[tokio::test]
async fn a_launch_carries_the_session_its_variables_tags_and_started_by() {
    let (config, cluster, executor) = moto().await;
    let session = Session::with_state("ohio").and_user(serde_json::json!({"sub": "alice"}));
    let arn = session
        .clone()
        .scope(executor.run("report", [("TOWN", "Dayton")]))
        .await
        .expect("launched");
    assert!(arn.contains(":task/"), "{arn}");
    let described = aws_sdk_ecs::Client::new(&config)
        .describe_tasks()
        .cluster(&cluster)
        .tasks(&arn)
        .include(TaskField::Tags)
        .send()
        .await
        .expect("DescribeTasks");
    let task = &described.tasks()[0];
    let overrides = &task.overrides().expect("overrides").container_overrides()[0];
    assert_eq!(overrides.name(), Some("report"));
    let env: std::collections::HashMap<_, _> = overrides
        .environment()
        .iter()
        .map(|kv| {
            (
                kv.name().unwrap_or_default(),
                kv.value().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(env["TOWN"], "Dayton");
    assert_eq!(env[STATE_VAR], "ohio");
    assert_eq!(Session::from_env_value(env["SESSION"]).unwrap(), session);
    assert_eq!(task.started_by(), Some("updraft"));
    let tags: HashSet<_> = task
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
        .collect();
    assert!(tags.contains(&(TASK_TAG, "report")), "{tags:?}");
    assert!(tags.contains(&(STATE_TAG, "ohio")), "{tags:?}");

    let status = executor.status(&arn).await.expect("status");
    assert_eq!(status.arn, arn);
    assert!(!status.last_status.is_empty());
}

#[tokio::test]
async fn a_batch_shares_calls_only_between_identical_launches_and_keeps_its_order() {
    let (_, _, executor) = moto().await;
    let towns: Vec<String> = (0..25).map(|i| format!("town-{i}")).collect();
    let distinct = executor
        .run_batch("report", towns.iter().map(|t| [("TOWN", t.as_str())]))
        .await;
    assert_eq!(distinct.len(), 25);
    assert_eq!(executor.run_task_calls(), 25, "one call per distinct set");
    let arns: Vec<String> = distinct.into_iter().map(|r| r.expect("launched")).collect();

    let statuses = executor.status_many(&arns).await.expect("statuses");
    for (arn, status) in arns.iter().zip(&statuses) {
        assert_eq!(&status.as_ref().expect("known").arn, arn, "in order");
    }

    let identical = executor
        .run_batch("report", (0..25).map(|_| [("TOWN", "Dayton")]))
        .await;
    assert_eq!(executor.run_task_calls(), 25 + 3, "10 + 10 + 5");
    let unique: HashSet<String> = identical
        .into_iter()
        .map(|r| r.expect("launched"))
        .collect();
    assert_eq!(unique.len(), 25, "25 tasks, each with its own ARN");

    let mixed = executor
        .run_batch(
            "report",
            vec![
                vec![("TOWN", "A".to_owned())],
                vec![("SESSION", "forged".to_owned())],
                vec![("BLOB", "x".repeat(9_000))],
                vec![("TOWN", "B".to_owned())],
            ],
        )
        .await;
    assert!(mixed[0].is_ok() && mixed[3].is_ok());
    assert!(matches!(mixed[1], Err(Error::ReservedVariable(_))));
    assert!(matches!(mixed[2], Err(Error::OverridesTooLarge { .. })));
    assert_eq!(
        executor.run_task_calls(),
        28 + 2,
        "refused items make no call"
    );
    assert!(
        executor
            .run_batch("report", Vec::<[(&str, &str); 0]>::new())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn statuses_come_a_hundred_arns_per_call_and_unknown_tasks_are_none() {
    let (_, cluster, executor) = moto().await;
    let arn = executor.run("report", [("TOWN", "Dayton")]).await.unwrap();
    let mut arns: Vec<String> = (0..150)
        .map(|i| format!("arn:aws:ecs:us-east-1:123456789012:task/{cluster}/{i:032x}"))
        .collect();
    arns.insert(120, arn.clone());
    let statuses = executor.status_many(&arns).await.expect("statuses");
    assert_eq!(executor.describe_calls(), 2);
    assert_eq!(statuses.len(), 151);
    assert_eq!(
        statuses[120].as_ref().map(|s| s.arn.as_str()),
        Some(arn.as_str())
    );
    assert_eq!(statuses.iter().filter(|s| s.is_some()).count(), 1);
    let missing = executor.status(&arns[0]).await.unwrap_err();
    assert!(matches!(missing, Error::TaskNotFound(_)));
    assert_eq!(missing.kind(), Kind::NotFound);
}

#[tokio::test]
async fn waiting_returns_the_stopped_status() {
    let (_, _, executor) = moto().await;
    // moto runs a task to its end as soon as it is described.
    let arn = executor.run("report", [("TOWN", "Dayton")]).await.unwrap();
    let status = executor
        .wait_for_stop(&arn, Duration::from_secs(20))
        .await
        .expect("stopped");
    assert!(status.is_stopped(), "{status:?}");
    assert_eq!(status.arn, arn);
    assert_eq!(status.containers[0].name, "report");
}

#[tokio::test]
async fn fake_ecs_a_task_that_never_stops_times_the_wait_out() {
    let arn = "arn:aws:ecs:us-east-1:123456789012:task/jobs/a";
    let running = serde_json::json!({
        "tasks": [{"taskArn": arn, "lastStatus": "RUNNING", "desiredStatus": "RUNNING"}],
        "failures": [],
    })
    .to_string();
    let fake = FakeEndpoint::start(vec![Canned::ok(JSON, running); 40]).await;
    let executor = builder("jobs").build(&fake.aws_config().await).unwrap();
    let started = std::time::Instant::now();
    let err = executor
        .wait_for_stop(arn, Duration::from_millis(400))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout { .. }), "{err}");
    assert_eq!(err.kind(), Kind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
    let polls = fake.requests().len();
    assert!(
        (1..20).contains(&polls),
        "polled with backoff, never more than every 50 ms: {polls}"
    );
}

#[tokio::test]
async fn an_unknown_task_definition_is_an_error_that_names_no_resource() {
    let (_, _, executor) = moto().await;
    let err = executor
        .run("no-such-report", [("TOWN", "Dayton")])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("arn:") && !text.contains("no-such-report"),
        "{text}"
    );
    assert!(!err.kind().is_transient(), "{err:?}");
}

#[tokio::test]
async fn a_missing_or_malformed_configuration_is_named_before_any_call() {
    let config = updraft_testkit::aws_config().await;
    for (pairs, name) in [
        (vec![], "ECS_CLUSTER"),
        (vec![("ECS_CLUSTER", "jobs")], "ECS_SUBNETS"),
        (
            vec![
                ("ECS_CLUSTER", "jobs"),
                ("ECS_SUBNETS", "subnet-1;subnet-2"),
            ],
            "ECS_SUBNETS",
        ),
    ] {
        let env = updraft_core::Env::from_pairs(pairs);
        let err = Executor::from_env(&config, &env).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
        assert_eq!(err.kind(), Kind::Config);
    }
    let no_subnet = Executor::builder("jobs").build(&config).unwrap_err();
    assert!(no_subnet.to_string().contains("ECS_SUBNETS"));
    let executor = builder("jobs").build(&config).unwrap();
    for bad in ["", "a b", "../etc"] {
        assert!(matches!(
            executor.run(bad, [("A", "B")]).await,
            Err(Error::InvalidTaskName(_))
        ));
    }
    assert!(
        executor
            .run_with_token("report", [("A", "B")], "with space")
            .await
            .is_err()
    );
    assert_eq!(executor.run_task_calls(), 0);
}

const JSON: &str = "application/x-amz-json-1.1";

fn run_task_answer(tasks: &[&str], failures: &[(&str, &str)]) -> String {
    serde_json::json!({
        "tasks": tasks.iter().map(|arn| serde_json::json!({"taskArn": arn})).collect::<Vec<_>>(),
        "failures": failures
            .iter()
            .map(|(reason, detail)| serde_json::json!({
                "arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/report:1",
                "reason": reason,
                "detail": detail,
            }))
            .collect::<Vec<_>>(),
    })
    .to_string()
}

#[tokio::test]
async fn fake_ecs_run_task_failures_become_typed_errors_per_item() {
    let fake = FakeEndpoint::start(vec![
        Canned::ok(
            JSON,
            run_task_answer(&[], &[("RESOURCE:MEMORY", "no room")]),
        ),
        Canned::ok(
            JSON,
            run_task_answer(
                &[
                    "arn:aws:ecs:us-east-1:123456789012:task/jobs/a",
                    "arn:aws:ecs:us-east-1:123456789012:task/jobs/b",
                ],
                &[("MISSING", "gone")],
            ),
        ),
    ])
    .await;
    let executor = builder("jobs").build(&fake.aws_config().await).unwrap();
    let err = executor
        .run("report", [("TOWN", "Dayton")])
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Launch { reason, .. } if reason == "RESOURCE:MEMORY"));
    assert!(err.kind().is_transient());
    assert!(!err.to_string().contains("123456789012"), "{err}");

    let results = executor
        .run_batch("report", (0..3).map(|_| [("TOWN", "Dayton")]))
        .await;
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(
        matches!(&results[2], Err(e) if e.kind() == Kind::NotFound),
        "{results:?}"
    );
    assert_eq!(executor.run_task_calls(), 2);
}

#[tokio::test]
async fn fake_ecs_a_throttled_launch_is_retried_with_the_same_client_token() {
    let throttled = Canned::status(
        400,
        JSON,
        r#"{"__type":"ThrottlingException","message":"Rate exceeded for account 123456789012"}"#,
    );
    let fake = FakeEndpoint::start(vec![
        throttled.clone(),
        Canned::ok(
            JSON,
            run_task_answer(&["arn:aws:ecs:us-east-1:123456789012:task/jobs/a"], &[]),
        ),
        throttled.clone(),
        throttled,
    ])
    .await;
    let executor = builder("jobs")
        .retry(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
            2,
        ))
        .capacity_provider("FARGATE_SPOT")
        .build(&fake.aws_config().await)
        .unwrap();
    let arn = executor
        .run("report", [("TOWN", "Dayton")])
        .await
        .expect("retried");
    assert!(arn.ends_with("/a"));
    let requests = fake.requests();
    let token = |i: usize| {
        let body: serde_json::Value = serde_json::from_str(&requests[i].body).unwrap();
        body["clientToken"].as_str().unwrap().to_owned()
    };
    assert_eq!(requests.len(), 2);
    assert_eq!(token(0), token(1), "a retry is the same launch");
    let first: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(
        first["capacityProviderStrategy"][0]["capacityProvider"],
        "FARGATE_SPOT"
    );
    assert!(
        first.get("launchType").is_none(),
        "a strategy replaces the launch type"
    );
    assert_eq!(
        first["networkConfiguration"]["awsvpcConfiguration"]["subnets"][0],
        "subnet-0a1b2c3d"
    );

    let other = executor
        .run("report", [("TOWN", "Dayton")])
        .await
        .unwrap_err();
    assert_eq!(
        other.kind(),
        Kind::Throttled,
        "two attempts, both throttled"
    );
    assert!(!other.to_string().contains("123456789012"), "{other}");
    let requests = fake.requests();
    let token = |i: usize| {
        let body: serde_json::Value = serde_json::from_str(&requests[i].body).unwrap();
        body["clientToken"].as_str().unwrap().to_owned()
    };
    assert_eq!(requests.len(), 4);
    assert_eq!(token(2), token(3));
    assert_ne!(token(0), token(2), "a new launch has a new token");
}
