//! The example's two binaries: the task on its own, the launcher in local mode (its tasks run
//! as child processes) and on moto's ECS.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use updraft::core::Session;

const TASK: &str = env!("CARGO_BIN_EXE_fargate-report-task");
const LAUNCH: &str = env!("CARGO_BIN_EXE_fargate-report-launch");

fn task(vars: &[(&str, &str)]) -> Output {
    Command::new(TASK)
        .env_remove("TOWN")
        .env_remove("SESSION")
        .envs(vars.iter().copied())
        .output()
        .unwrap()
}

fn launch(event: &str, vars: &[(String, String)]) -> serde_json::Value {
    let output = updraft::testing::output_with_stdin(
        Command::new(LAUNCH).envs(vars.iter().map(|(k, v)| (k, v))),
        event,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_task_requires_town_and_logs_its_state() {
    let missing = task(&[]);
    assert_eq!(missing.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("TOWN"));

    let session = Session::with_state("ohio").to_env_value();
    let ok = task(&[("TOWN", "Dayton"), ("SESSION", &session)]);
    assert!(ok.status.success());
    let log = String::from_utf8_lossy(&ok.stderr);
    assert!(log.contains("Dayton") && log.contains("ohio"), "{log}");
}

#[test]
fn the_launcher_runs_the_task_binary_per_town_in_local_mode() {
    let bins = tempfile::tempdir().unwrap();
    let out = bins.path().join("fargate-report");
    std::os::unix::fs::symlink(TASK, &out).unwrap();
    let answer = launch(
        r#"{"session": {"state": "ohio"}, "data": {"towns": ["Akron", "Dayton"]}}"#,
        &[
            ("UPDRAFT_FARGATE_LOCAL".into(), "true".into()),
            (
                "UPDRAFT_FARGATE_LOCAL_BIN_DIR".into(),
                bins.path().display().to_string(),
            ),
        ],
    );
    assert_eq!(answer["success"], true, "{answer}");
    assert_eq!(answer["data"]["tasks"].as_array().unwrap().len(), 2);

    let refused = launch(
        r#"{"data": {"towns": ["Akron"]}}"#,
        &[("UPDRAFT_FARGATE_LOCAL".into(), "true".into())],
    );
    assert_eq!(
        refused["success"], false,
        "no session, no launch: {refused}"
    );
}

#[tokio::test]
async fn the_launcher_starts_a_task_per_town_on_ecs_with_the_callers_session() {
    let config = updraft::testing::aws_config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let cluster = updraft::testing::unique_name("reports");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    register(&ecs).await;
    let network = updraft::testing::default_network(&config).await;
    let mut vars: Vec<(String, String)> = updraft::testing::servers_env()
        .added()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    vars.extend([
        ("ECS_CLUSTER".to_owned(), cluster.clone()),
        ("ECS_SUBNETS".to_owned(), network.subnet),
        ("ECS_SECURITY_GROUPS".to_owned(), network.security_group),
    ]);
    let started = Instant::now();
    let answer = launch(
        r#"{"session": {"state": "ohio"}, "data": {"towns": ["Akron", "Dayton", "Toledo"]}}"#,
        &vars,
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    let arns: Vec<String> = answer["data"]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(arns.len(), 3);
    let described = ecs
        .describe_tasks()
        .cluster(&cluster)
        .set_tasks(Some(arns.clone()))
        .send()
        .await
        .unwrap();
    let mut towns = Vec::new();
    for arn in &arns {
        let task = described
            .tasks()
            .iter()
            .find(|t| t.task_arn() == Some(arn.as_str()))
            .unwrap();
        let env = task.overrides().unwrap().container_overrides()[0].environment();
        let var = |name: &str| {
            env.iter()
                .find(|kv| kv.name() == Some(name))
                .and_then(|kv| kv.value())
                .unwrap()
                .to_owned()
        };
        assert_eq!(var("CONSTITUTION_STATE"), "ohio");
        towns.push(var("TOWN"));
    }
    assert_eq!(
        towns,
        ["Akron", "Dayton", "Toledo"],
        "in the order of the towns"
    );
}

/// The task definition, in `bridge` mode with container memory (moto's quirks).
async fn register(ecs: &aws_sdk_ecs::Client) {
    use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
    ecs.register_task_definition()
        .family("fargate-report")
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Fargate)
        .container_definitions(
            ContainerDefinition::builder()
                .name("fargate-report")
                .image("fargate-report:latest")
                .memory(512)
                .essential(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}
