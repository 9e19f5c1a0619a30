//! The task's own ARN, from the ECS task metadata endpoint (version 4) that the container agent
//! serves at `ECS_CONTAINER_METADATA_URI_V4`.

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use updraft_core::Env;

/// The variable the ECS container agent sets to its metadata endpoint.
pub const METADATA_VAR: &str = "ECS_CONTAINER_METADATA_URI_V4";

/// How long the endpoint gets to answer; it is local to the task and answers in
/// milliseconds, or is not there.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The task ARN (`TaskARN` of `${ECS_CONTAINER_METADATA_URI_V4}/task`), or `None` outside ECS
/// or when the endpoint does not answer with one (logged as a warning).
pub(crate) async fn task_arn(env: &Env) -> Option<String> {
    let base = env.non_empty(METADATA_VAR)?;
    let uri: hyper::Uri = match format!("{}/task", base.trim().trim_end_matches('/')).parse() {
        Ok(uri) => uri,
        Err(e) => {
            tracing::warn!(variable = METADATA_VAR, error = %e, "the metadata endpoint is not a URI");
            return None;
        }
    };
    match tokio::time::timeout(TIMEOUT, fetch(uri)).await {
        Ok(Ok(arn)) => Some(arn),
        Ok(Err(reason)) => {
            tracing::warn!(reason, "no task ARN from the ECS metadata endpoint");
            None
        }
        Err(_) => {
            tracing::warn!("the ECS metadata endpoint did not answer in {TIMEOUT:?}");
            None
        }
    }
}

async fn fetch(uri: hyper::Uri) -> Result<String, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = client.get(uri).await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("it answered {}", response.status()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let task: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("its answer is not JSON: {e}"))?;
    task.get("TaskARN")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "its answer has no TaskARN".to_owned())
}
