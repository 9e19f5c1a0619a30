//! `service-calls`: one line per call to another service.
//!
//! 1. invokes the function named by `SUM_FUNCTION` with session state `ohio` and
//!    `{"a": 2, "b": 40}`: `sum: 42`;
//! 2. invokes it with input that fails its validation: `envelope error: <message>`;
//! 3. calls `GET /hello/ann` on the `greeter` service of `MICROSERVICE_URLS`:
//!    `api: hello, ann`;
//! 4. asks for the `billing` service, which is not configured: `not configured: billing`.

use serde::{Deserialize, Serialize};
use updraft::core::{Env, Session};
use updraft::invoke::{ApiClient, Error, LambdaInvoker};

#[derive(Serialize)]
struct Numbers {
    a: i64,
    b: i64,
}

#[derive(Deserialize)]
struct Sum {
    sum: i64,
}

#[derive(Deserialize)]
struct Greeting {
    message: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = Env::load()?;
    let function = env.require("SUM_FUNCTION")?.to_owned();
    let lambda = LambdaInvoker::load().await?;
    let lines = Session::with_state("ohio")
        .scope(calls(&lambda, &function))
        .await?;
    #[allow(
        clippy::print_stdout,
        reason = "the example prints what each call returned"
    )]
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

async fn calls(lambda: &LambdaInvoker, function: &str) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();

    let sum: Sum = lambda.invoke(function, &Numbers { a: 2, b: 40 }).await?;
    lines.push(format!("sum: {}", sum.sum));

    // `b` is missing: the function's input validation answers `success: false`.
    match lambda
        .invoke::<_, Sum>(function, &serde_json::json!({"a": 2}))
        .await
    {
        Err(Error::Envelope { message, .. }) => lines.push(format!("envelope error: {message}")),
        Ok(sum) => lines.push(format!("unexpected sum: {}", sum.sum)),
        Err(other) => return Err(other),
    }

    let greeter = ApiClient::new("greeter")?;
    let greeting: Greeting = greeter.get("/hello/ann").await?;
    lines.push(format!("api: {}", greeting.message));

    match ApiClient::new("billing") {
        Err(Error::ServiceNotConfigured { name, .. }) => {
            lines.push(format!("not configured: {name}"));
        }
        Ok(_) => lines.push("billing is configured".to_owned()),
        Err(other) => return Err(other),
    }
    Ok(lines)
}
