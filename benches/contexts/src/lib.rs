//! Baselines for the HTTP context benchmarks: what a Lambda function looks like with
//! `lambda_http` and axum alone, without Updraft.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use serde_json::{Value, json};

async fn hello(Path(name): Path<String>) -> axum::Json<Value> {
    axum::Json(json!({ "message": format!("hello, {name}") }))
}

/// The route both sides of the benchmarks serve: `GET /hello/{name}`.
pub fn hello_router() -> Router {
    Router::new().route("/hello/{name}", get(hello))
}

/// The API Gateway v2 event the dispatch benchmark sends: `GET /hello/bench` on `$default`.
pub const HTTP_API_EVENT: &str = r#"{
  "version": "2.0", "routeKey": "$default", "rawPath": "/hello/bench", "rawQueryString": "",
  "headers": {"accept": "*/*", "host": "id.execute-api.us-east-1.amazonaws.com", "user-agent": "bench",
              "x-amzn-trace-id": "Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e", "x-forwarded-proto": "https"},
  "requestContext": {"accountId": "123456789012", "apiId": "id", "domainName": "id.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "id", "http": {"method": "GET", "path": "/hello/bench", "protocol": "HTTP/1.1",
    "sourceIp": "192.0.2.1", "userAgent": "bench"}, "requestId": "id", "routeKey": "$default", "stage": "$default",
    "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390},
  "isBase64Encoded": false
}"#;
