//! `invoke-sum`: `{"session": {"state": …}, "data": {"a", "b"}}` in, `{"success": true,
//! "data": {"sum": a + b}}` out; in Lambda, or outside it on an event file or stdin.

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    updraft::contexts::invoke::handler(example_invoke_sum::sum)
        .run()
        .await
}
