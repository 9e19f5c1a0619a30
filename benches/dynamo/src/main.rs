//! `count-dynamo`: how many `BatchWriteItem` calls 1000 items take when nothing comes back
//! unprocessed, against the DynamoDB of the AWS configuration (`cargo xtask bench` points it
//! at DynamoDB Local). Prints `COUNT batch-write-1000 <calls>`; at 25 items per call, 40.
//! Calls are counted as the SDK sends them, by an interceptor, so retries would count too.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bench_dynamo::{Order, order};
use updraft::dynamo::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use updraft::dynamo::aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use updraft::dynamo::aws_sdk_dynamodb::error::BoxError;
use updraft::dynamo::testing::TempTable;
use updraft::dynamo::{Dynamo, aws_sdk_dynamodb};

/// Counts the `BatchWriteItem` requests the SDK transmits.
#[derive(Debug, Default)]
struct Counter(Arc<AtomicU32>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "count-batch-writes"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        if target.ends_with("BatchWriteItem") {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = updraft::core::aws::load().await?;
    let calls = Arc::new(AtomicU32::new(0));
    let sdk = aws_sdk_dynamodb::config::Builder::from(&config)
        .interceptor(Counter(calls.clone()))
        .build();
    let dynamo = Dynamo::from_client(aws_sdk_dynamodb::Client::from_conf(sdk));
    let table = TempTable::<Order>::new(&dynamo).await?;
    let orders: Vec<Order> = (0..1000)
        .map(|i| Order {
            order_id: format!("order-{i:04}"),
            ..order()
        })
        .collect();
    table.batch_put(&orders).await?;
    let written = table.query("customer-8841").all().await?.len();
    if written != orders.len() {
        return Err(format!("only {written} of {} orders were written", orders.len()).into());
    }
    writeln!(
        std::io::stdout().lock(),
        "COUNT batch-write-1000 {}",
        calls.load(Ordering::Relaxed)
    )?;
    Ok(())
}
