//! `mongo-orders-index-sync`: creates the declared indexes of `orders` in every active state
//! of `core.states`, and of `core.users`; answers the report. It needs no session: invoke it
//! once per deploy with `{}`.

use serde_json::Value;
use updraft::mongo_repo::{IndexSync, Mongo, Synced};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mongo = Mongo::shared().await?;
    let orders = example_mongo_orders::orders(&mongo);
    let users = example_mongo_orders::users(&mongo);
    let sync = IndexSync::new(&mongo, [orders.declaration(), users.declaration()]);
    updraft::contexts::invoke::handler(move |_event: Value| {
        let sync = sync.clone();
        async move {
            let report: Vec<Synced> = sync.run().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(report)
        }
    })
    .session_optional()
    .run()
    .await?;
    Ok(())
}
