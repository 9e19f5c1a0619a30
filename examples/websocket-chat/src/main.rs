//! `websocket-chat`: the chat's routes, served by the Lambda runtime in Lambda, or run once on
//! an event from a file or stdin outside it (creating the table first if it is missing, for a
//! local DynamoDB).

use updraft::dynamo::Capacity;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = updraft::core::Env::load()?;
    let config = updraft::core::aws::ConfigLoader::new()
        .env(env.clone())
        .load()
        .await?;
    let chat = example_websocket_chat::Chat::from_env(&config, &env);
    if !updraft::contexts::lambda::in_lambda(&env) && !chat.connections().exists().await? {
        chat.connections().create(Capacity::OnDemand).await?;
    }
    chat.routes().run().await?;
    Ok(())
}
