//! `websocket-chat`: the chat's routes, served by the Lambda runtime in Lambda, or run once on
//! an event from a file or stdin outside it (creating the table first if it is missing, for a
//! local DynamoDB).

use updraft::dynamo::Capacity;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = updraft::core::aws::load().await?;
    let chat = example_websocket_chat::Chat::from_env(&config)?;
    if !updraft::contexts::lambda::in_lambda(&updraft::core::Env::load()?)
        && !chat.connections().exists().await?
    {
        chat.connections().create(Capacity::OnDemand).await?;
    }
    chat.routes().run().await?;
    Ok(())
}
