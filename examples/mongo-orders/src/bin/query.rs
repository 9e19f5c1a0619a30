//! `mongo-orders-query`: aws-python-helper's model-query payload (`session`, `collection`, and
//! `pipeline` or `filter` / `fields` / `limit` / `skip`) answered from the caller's state
//! database, for `orders` and `customers` only; in Lambda, or outside it on an event file or
//! stdin.

use updraft::mongo_repo::Mongo;
use updraft::mongo_repo::proxy::QueryProxy;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // MONGODB_URI, read once; the states are checked against core.states.
    let mongo = Mongo::shared().await?;
    QueryProxy::new(&mongo, example_mongo_orders::QUERYABLE)
        .run()
        .await?;
    Ok(())
}
