//! The Updraft tour. `cargo xtask demo` runs it against the local servers; each capability of
//! the toolkit adds a step.
#![allow(clippy::print_stdout, reason = "the tour narrates what it does")]

use std::error::Error;

use updraft::core::aws::{RetryConfig, TimeoutConfig};
use updraft::core::session::codec::{ATTRIBUTE_NAME, ENV_VAR};
use updraft::core::{Env, SdkConfig, Session, SessionHeader, SignedClient};

type Step = Result<(), Box<dyn Error>>;

#[tokio::main]
async fn main() -> Step {
    println!("Updraft quickstart\n");
    let (env, config) = configuration().await?;
    signed_request(&config).await?;
    session(&env).await
}

/// Step 1: one configuration for every AWS client.
async fn configuration() -> Result<(Env, SdkConfig), Box<dyn Error>> {
    println!("1. configuration");
    let env = Env::load()?;
    let config = updraft::core::aws::ConfigLoader::new()
        .env(env.clone())
        .app_name("updraft-quickstart")
        .load()
        .await?;
    println!(
        "   region            {}",
        config.region().map_or("?", |r| r.as_ref())
    );
    let timeouts = config.timeout_config();
    println!(
        "   timeouts          connect {:?}, read {:?}",
        timeouts.and_then(TimeoutConfig::connect_timeout),
        timeouts.and_then(TimeoutConfig::read_timeout)
    );
    println!(
        "   attempts per call {}",
        config.retry_config().map_or(1, RetryConfig::max_attempts)
    );
    for name in env.names_with_prefix("AWS_ENDPOINT_URL") {
        println!("   {name:<26} {}", env.get(name).unwrap_or_default());
    }
    Ok((env, config))
}

/// Step 2: a SigV4-signed raw call, for an API with no SDK crate in the build.
async fn signed_request(config: &SdkConfig) -> Step {
    println!("\n2. a signed raw request to SQS");
    let sqs = SignedClient::new(config, "sqs")?;
    println!("   endpoint          {}", sqs.endpoint());
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amz-target", "AmazonSQS.CreateQueue".parse()?);
    headers.insert("content-type", "application/x-amz-json-1.0".parse()?);
    let body = serde_json::json!({ "QueueName": "updraft-quickstart" }).to_string();
    let created = sqs
        .send(http::Method::POST, "/", headers, body.into())
        .await?;
    let url = created.json::<serde_json::Value>()?["QueueUrl"].clone();
    println!("   CreateQueue       {url} (JSON protocol)");
    let listed = sqs
        .post(
            "/",
            "application/x-www-form-urlencoded",
            "Action=ListQueues&QueueNamePrefix=updraft-&Version=2012-11-05",
        )
        .await?;
    let count = listed.text()?.matches("<QueueUrl>").count();
    println!(
        "   ListQueues        {count} queue(s), request id {} (query protocol)",
        listed.request_id().unwrap_or("-")
    );
    let missing = sqs
        .post(
            "/",
            "application/x-www-form-urlencoded",
            "Action=GetQueueUrl&QueueName=no-such-queue&Version=2012-11-05",
        )
        .await;
    if let Err(e) = missing {
        println!("   GetQueueUrl       a typed error: {e}");
    }
    Ok(())
}

/// Step 3: the Session, through each of its wire formats and across an await.
async fn session(env: &Env) -> Step {
    println!("\n3. the session");
    let session = match Session::from_env(env)? {
        Some(from_env) => from_env,
        None => Session::with_state("connecticut")
            .and_user(serde_json::json!({ "id": "u-42", "roles": ["clerk"] })),
    };
    println!("   session           {}", session.to_json());

    let attribute = session.to_attribute();
    println!("   SNS/SQS attribute `{ATTRIBUTE_NAME}` = {attribute}");
    assert_eq!(Session::from_attribute(&attribute)?, session);

    let env_value = session.to_env_value();
    println!("   Fargate variable  {ENV_VAR}={env_value}");
    assert_eq!(Session::from_env_value(&env_value)?, session);

    let header = SessionHeader::state("constitution-state")?;
    let mut headers = http::HeaderMap::new();
    header.encode(&session, &mut headers)?;
    println!(
        "   HTTP header       {}: {}",
        header.name(),
        headers[header.name()].to_str()?
    );

    let seen = session
        .clone()
        .scope(async {
            tokio::task::yield_now().await;
            deep_in_the_call_chain()
        })
        .await;
    println!("   read after .await {seen}");

    let malformed = Session::from_env_value("{\"state\": ");
    if let Err(e) = malformed {
        println!("   malformed SESSION a typed error: {e}");
    }
    Ok(())
}

fn deep_in_the_call_chain() -> String {
    Session::current()
        .and_then(|s| s.state)
        .unwrap_or_else(|| "no session".into())
}
