//! `cargo xtask demo`: the tour of the toolkit against the local servers.
//!
//! 1. `examples/quickstart`: configuration, a signed raw AWS call, the session;
//! 2. `examples/http-api` run locally, with every route called;
//! 3. `examples/invoke-sum` on a few direct invocations;
//! 4. `examples/sqs-consumer` on an SQS batch that holds failures;
//! 5. `examples/fanout`: one SNS topic, two subscribed queues, the Session carried through;
//! 6. `examples/secrets`: references in a `.env` resolved and printed redacted, cached reads;
//! 7. `examples/rds-iam`: a pool that logs in to PostgreSQL with IAM tokens over verified TLS;
//! 8. `examples/dynamo-movies`: awstin's DynamoDB tutorial with typed models, on DynamoDB Local;
//! 9. `examples/authorizer` on each token, and `examples/websocket-chat` on a connect, a message
//!    and a disconnect, against DynamoDB Local and moto;
//! 10. `examples/fargate-report`: the launcher starts a report task per town on moto's ECS, then
//!     in local mode, where the task binaries run as child processes;
//! 11. `examples/service-calls`: a typed invocation of `invoke-sum` under cargo-lambda's
//!     emulator, its envelope error, a call to `http-api` served locally, and a service that
//!     is not configured;
//! 12. `examples/idempotent-payments`: one payment per `Idempotency-Key`, on DynamoDB Local;
//! 13. `examples/metrics`: EMF documents flushed as an invocation ends;
//! 14. `examples/mongo-orders`: index sync across the active states, then model queries
//!     answered, refused and routed by state, on SecantusDB;
//! 15. `examples/config-crypto`: the `updraft` CLI closes an open config with moto's KMS,
//!     renders a stage, and the function loads its stage at cold start;
//! 16. `examples/orders-service`: one order through the whole service (HTTP API, SNS, SQS,
//!     the pricing function under cargo-lambda, PostgreSQL, a Fargate report task in local
//!     mode, MongoDB, websocket pushes), ending with its final status;
//! 17. `examples/openapi-pets`: the spec-first pet store, each request checked against its
//!     spec, then served with a tighter spec and no code changed.

use std::process::{Command, Stdio};
use std::time::Duration;

mod calls;
mod config;
mod metrics;
mod mongo;
mod orders;
mod payments;
mod pets;

use crate::process::{self, free_port, http, wait_until};
use crate::servers::{Guard, Layout};
use crate::{Result, fail};

/// Starts the servers (unless running), runs the tour against them, stops them.
pub fn run(layout: &Layout) -> Result<()> {
    let servers = Guard::acquire(layout)?;
    eprintln!("xtask: running examples/quickstart against the local servers");
    let status = Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args(["run", "--quiet", "-p", "example-quickstart"])
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .status()?;
    if !status.success() {
        return Err(fail(format!("the quickstart exited with {status}")));
    }
    http_api(layout)?;
    event_contexts(layout)?;
    run_example(
        layout,
        &servers,
        "example-fanout",
        "\n7. fan-out: examples/fanout publishes 25 orders to a topic with two queues",
    )?;
    run_example(
        layout,
        &servers,
        "example-secrets",
        "\n8. secrets: examples/secrets resolves a .env of references and reads one 1000 times",
    )?;
    rds_iam(layout, &servers)?;
    run_example(
        layout,
        &servers,
        "example-dynamo-movies",
        "\n10. dynamo: examples/dynamo-movies runs awstin's DynamoDB tutorial with a typed model",
    )?;
    api_gateway(layout, &servers)?;
    fargate(layout, &servers)?;
    calls::service_calls(layout, &servers)?;
    payments::idempotent_payments(layout, &servers)?;
    metrics::metrics(layout)?;
    mongo::mongo_orders(layout, &servers)?;
    config::config_crypto(layout, &servers)?;
    orders::orders_service(layout, &servers)?;
    pets::openapi_pets(layout)?;
    drop(servers);
    #[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
    {
        println!("\ndone.");
    }
    Ok(())
}

/// Starts `examples/http-api` on a free port and calls each of its routes.
fn http_api(layout: &Layout) -> Result<()> {
    let port = free_port()?;
    say(&format!(
        "\n4. the HTTP context: examples/http-api served locally on 127.0.0.1:{port}"
    ));
    let log = layout.servers.join("logs/http-api.log");
    std::fs::create_dir_all(layout.servers.join("logs"))?;
    run_quiet(Command::new(env!("CARGO")).current_dir(&layout.root).args([
        "build",
        "--quiet",
        "-p",
        "example-http-api",
    ]))?;
    let binary = layout
        .servers
        .parent()
        .unwrap_or(&layout.root)
        .join("debug/http-api");
    let mut command = Command::new(binary);
    command
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn");
    let server = start_listening("http-api", command, &log, port, Duration::from_secs(30))?;
    let outcome = call_routes(port);
    server.stop(Duration::from_secs(5));
    outcome
}

/// Spawns `command` (logging to `log`) and waits until it accepts connections on `port`;
/// stops it when it does not within `timeout`.
fn start_listening(
    name: &str,
    command: Command,
    log: &std::path::Path,
    port: u16,
    timeout: Duration,
) -> Result<process::Tracked> {
    let started = process::spawn(command, log)?;
    match wait_until(name, Some(&started), log, timeout, || {
        process::accepts(port)
    }) {
        Ok(_) => Ok(started),
        Err(e) => {
            started.stop(Duration::from_secs(5));
            Err(e)
        }
    }
}

/// A method, a path, headers and a body.
type Call<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);

fn call_routes(port: u16) -> Result<()> {
    let json = [("content-type", "application/json")];
    let calls: [Call<'_>; 7] = [
        ("GET", "/hello/world", &[], ""),
        (
            "POST",
            "/orders",
            &[
                ("content-type", "application/json"),
                ("constitution-state", "connecticut"),
            ],
            r#"{"item": "tea", "quantity": 2}"#,
        ),
        (
            "POST",
            "/orders",
            &json,
            r#"{"item": "", "quantity": 5000}"#,
        ),
        ("POST", "/orders", &json, r#"{"item": "#),
        ("GET", "/panic", &[], ""),
        ("GET", "/hello/again", &[], ""),
        ("GET", "/no/such/route", &[], ""),
    ];
    show_calls(port, &calls)
}

/// Prints a line of the demo's narration.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn say(text: &str) {
    println!("{text}");
}

/// Makes each call on `port` and shows it with its answer.
fn show_calls(port: u16, calls: &[Call<'_>]) -> Result<()> {
    for (method, path, headers, body) in calls {
        let (status, answer) = http(port, method, path, headers, body)
            .ok_or_else(|| fail(format!("{method} {path}: no answer")))?;
        let sent = if body.is_empty() {
            String::new()
        } else {
            format!(" {body}")
        };
        say(&format!(
            "   {method:<6} {path:<16}{sent}\n        -> {status} {}",
            answer.trim()
        ));
    }
    Ok(())
}

#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn event_contexts(layout: &Layout) -> Result<()> {
    let binaries = build(layout, &["example-invoke-sum", "example-sqs-consumer"])?;
    println!("\n5. direct invocation: examples/invoke-sum, run as the CLI context");
    for event in [
        r#"{"session": {"state": "ohio"}, "data": {"a": 40, "b": 2}}"#,
        r#"{"data": {"a": 1, "b": 2}}"#,
        r#"{"session": {"state": "ohio"}, "data": {"a": "forty", "b": 2}}"#,
        r#"{"session": {"state": "ohio"}, "data": {"a": 9223372036854775807, "b": 1}}"#,
    ] {
        let answer = run_with_stdin(&binaries.join("invoke-sum"), event, &[])?;
        println!("   {event}\n        -> {}", answer.trim());
    }
    println!("\n6. an SQS batch with failures: examples/sqs-consumer, run as the CLI context");
    let records: Vec<String> = [
        (r#"{\"id\": \"a\", \"fail\": false}"#, "m-ok-1"),
        (r#"{\"id\": \"b\", \"fail\": true}"#, "m-fails"),
        ("not json", "m-undecodable"),
        (r#"{\"id\": \"c\", \"fail\": false}"#, "m-ok-2"),
    ]
    .iter()
    .map(|(body, id)| {
        format!(r#"{{"messageId": "{id}", "body": "{body}", "eventSource": "aws:sqs"}}"#)
    })
    .collect();
    let batch = format!(r#"{{"Records": [{}]}}"#, records.join(", "));
    println!("   records: m-ok-1, m-fails (fail: true), m-undecodable (not JSON), m-ok-2");
    let answer = run_with_stdin(&binaries.join("sqs-consumer"), &batch, &[])?;
    println!("        -> {}", answer.trim());
    Ok(())
}

/// Runs `examples/rds-iam` against the TLS PostgreSQL, standing in for RDS's token check.
fn rds_iam(layout: &Layout, servers: &Guard) -> Result<()> {
    let var = |name: &str| {
        servers
            .vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| fail(format!("the servers' env has no {name}")))
    };
    let admin = var("DATABASE_URL")?;
    let port = admin
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .ok_or_else(|| fail(format!("no port in {admin}")))?
        .to_owned();
    let extra = [
        ("db_endpoint", format!("127.0.0.1:{port}")),
        ("db_username", "example_rds_iam".to_owned()),
        ("db_database", "postgres".to_owned()),
        ("ssl_ca_bundle_filename", var("UPDRAFT_PG_CA_CERT")?),
        ("EXAMPLE_RDS_STAND_IN_URL", admin),
    ];
    run_example_with(
        layout,
        servers,
        "example-rds-iam",
        "\n9. rds-iam: examples/rds-iam logs in with IAM tokens over verified TLS and refreshes",
        &extra,
    )
}

/// Runs an example against the servers and shows its output, indented.
fn run_example(layout: &Layout, servers: &Guard, package: &str, title: &str) -> Result<()> {
    run_example_with(layout, servers, package, title, &[])
}

/// [`run_example`] with `extra` variables on top of the servers'.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn run_example_with(
    layout: &Layout,
    servers: &Guard,
    package: &str,
    title: &str,
    extra: &[(&str, String)],
) -> Result<()> {
    println!("{title}");
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(&layout.root)
        .args(["run", "--quiet", "-p", package])
        .envs(servers.vars.iter().map(|(k, v)| (k, v)))
        .envs(extra.iter().map(|(k, v)| (k, v)));
    narrate(package, &mut command)
}

/// Runs `command` (its stderr passed through) and shows its stdout indented; fails, naming
/// `name`, when it exits unsuccessfully.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn narrate(name: &str, command: &mut Command) -> Result<()> {
    let output = command.stderr(Stdio::inherit()).output()?;
    if !output.status.success() {
        return Err(fail(format!("{name} exited with {}", output.status)));
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        println!("   {line}");
    }
    Ok(())
}

/// Runs `examples/authorizer` on each kind of token, and `examples/websocket-chat` on a
/// connect, a message and a disconnect, each as the CLI context.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn api_gateway(layout: &Layout, servers: &Guard) -> Result<()> {
    let binaries = build(layout, &["example-authorizer", "example-websocket-chat"])?;
    println!(
        "\n11. authorizer: examples/authorizer, a REST TOKEN authorizer, run as the CLI context"
    );
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request";
    for token in ["allow", "deny", "unauthorized", "something else"] {
        let event = format!(
            r#"{{"type": "TOKEN", "authorizationToken": "{token}", "methodArn": "{arn}"}}"#
        );
        let answer = run_with_stdin(&binaries.join("authorizer"), &event, &[])?;
        println!("   token {token:?}\n        -> {}", answer.trim());
    }
    println!(
        "\n12. websocket: examples/websocket-chat stores connections in DynamoDB and broadcasts through moto"
    );
    let table = [(
        "CHAT_TABLE".to_owned(),
        format!("DemoChat-{}", std::process::id()),
    )];
    let envs: Vec<(String, String)> = servers.vars.iter().cloned().chain(table).collect();
    for (route, kind, id, body) in [
        ("$connect", "CONNECT", "alice", "null"),
        ("$connect", "CONNECT", "bob", "null"),
        ("$default", "MESSAGE", "alice", r#""hello, bob""#),
        ("$disconnect", "DISCONNECT", "bob", "null"),
        ("$default", "MESSAGE", "alice", r#""anyone?""#),
    ] {
        let event = format!(
            r#"{{"requestContext": {{"routeKey": "{route}", "eventType": "{kind}", "connectionId": "{id}", "stage": "$default", "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com", "apiId": "abcdef123", "connectedAt": 1796140800000, "requestTimeEpoch": 1796140800100, "identity": {{"sourceIp": "192.0.2.1"}}}}, "body": {body}}}"#
        );
        let answer = run_with_stdin(&binaries.join("websocket-chat"), &event, &envs)?;
        println!("   {route} from {id}\n        -> {}", answer.trim());
    }
    Ok(())
}

/// Runs `examples/fargate-report`'s launcher on moto's ECS (a cluster and the task definition
/// made here with unsigned calls, which moto accepts), then in local mode.
#[allow(clippy::print_stdout, reason = "the demo narrates what it does")]
fn fargate(layout: &Layout, servers: &Guard) -> Result<()> {
    let binaries = build(layout, &["example-fargate-report"])?;
    let moto = servers
        .vars
        .iter()
        .find(|(k, _)| k == "MOTO_URL")
        .and_then(|(_, url)| url.rsplit(':').next()?.parse::<u16>().ok())
        .ok_or_else(|| fail("the servers' env has no MOTO_URL"))?;
    let ecs = |action: &str, body: &str| {
        let target = format!("AmazonEC2ContainerServiceV20141113.{action}");
        let headers = [
            ("X-Amz-Target", target.as_str()),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Authorization", &unsigned("ecs")),
        ];
        match http(moto, "POST", "/", &headers, body) {
            Some((200, answer)) => Ok(answer),
            other => Err(fail(format!("moto's ECS {action}: {other:?}"))),
        }
    };
    let cluster = format!("demo-reports-{}", std::process::id());
    ecs(
        "CreateCluster",
        &format!(r#"{{"clusterName": "{cluster}"}}"#),
    )?;
    ecs(
        "RegisterTaskDefinition",
        r#"{"family": "fargate-report", "networkMode": "bridge", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "fargate-report", "image": "fargate-report:latest", "memory": 512, "essential": true}]}"#,
    )?;
    let ec2 = |action: &str, tag: &str| {
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", &unsigned("ec2")),
        ];
        let body = format!("Action={action}&Version=2016-11-15");
        let answer = http(moto, "POST", "/", &headers, &body)
            .map(|(_, b)| b)
            .unwrap_or_default();
        let open = format!("<{tag}>");
        answer
            .split_once(&open)
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(id, _)| id.to_owned())
            .ok_or_else(|| fail(format!("moto's EC2 {action} named no {tag}")))
    };
    let mut envs: Vec<(String, String)> = servers.vars.clone();
    envs.extend([
        ("ECS_CLUSTER".to_owned(), cluster),
        (
            "ECS_SUBNETS".to_owned(),
            ec2("DescribeSubnets", "subnetId")?,
        ),
        (
            "ECS_SECURITY_GROUPS".to_owned(),
            ec2("DescribeSecurityGroups", "groupId")?,
        ),
    ]);
    let event =
        r#"{"session": {"state": "ohio"}, "data": {"towns": ["Akron", "Dayton", "Toledo"]}}"#;
    println!(
        "\n13. fargate: examples/fargate-report launches a report task per town on moto's ECS"
    );
    let answer = run_with_stdin(&binaries.join("fargate-report-launch"), event, &envs)?;
    println!("   {event}\n        -> {}", answer.trim());
    println!("    and in local mode, each task a child process running fargate-report-task");
    let bins = demo_tasks_dir(layout)?;
    let link = bins.join("fargate-report");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(binaries.join("fargate-report-task"), &link)?;
    let local = vec![
        ("UPDRAFT_FARGATE_LOCAL".to_owned(), "true".to_owned()),
        (
            "UPDRAFT_FARGATE_LOCAL_BIN_DIR".to_owned(),
            bins.display().to_string(),
        ),
    ];
    let answer = run_with_stdin(&binaries.join("fargate-report-launch"), event, &local)?;
    println!("        -> {}", answer.trim());
    Ok(())
}

/// An `Authorization` header that names the service and region, which moto routes by; moto
/// does not check the signature.
fn unsigned(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// A directory under the servers' folder for the demo's local task binaries.
fn demo_tasks_dir(layout: &Layout) -> Result<std::path::PathBuf> {
    let dir = layout.servers.join("demo-tasks");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn run_with_stdin(
    binary: &std::path::Path,
    input: &str,
    envs: &[(String, String)],
) -> Result<String> {
    use std::io::Write as _;
    let mut child = Command::new(binary)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Builds `packages` quietly; returns the directory of their binaries.
fn build(layout: &Layout, packages: &[&str]) -> Result<std::path::PathBuf> {
    let mut command = Command::new(env!("CARGO"));
    command.current_dir(&layout.root).args(["build", "--quiet"]);
    for package in packages {
        command.args(["-p", package]);
    }
    run_quiet(&mut command)?;
    Ok(layout
        .servers
        .parent()
        .unwrap_or(&layout.root)
        .join("debug"))
}

fn run_quiet(command: &mut Command) -> Result<()> {
    let status = command.stdout(Stdio::null()).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("{command:?} failed: {status}")))
    }
}
