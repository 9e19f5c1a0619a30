//! `idempotent-payments`: in Lambda (any HTTP source) or, without `AWS_LAMBDA_RUNTIME_API`, on
//! `127.0.0.1:$PORT`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = updraft::core::Env::load()?;
    let config = updraft::core::aws::load().await?;
    let dynamo = updraft::dynamo::Dynamo::new(&config);
    example_idempotent_payments::app(&dynamo, &env)
        .await?
        .run()
        .await?;
    Ok(())
}
