//! `config-crypto`: loads its stage of `config.yml` once, at cold start (one KMS `Decrypt`),
//! and answers each invocation with what it loaded, the password redacted to its length.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use updraft::config_crypto::value::Secret;

/// The service's settings, deserialized from its stage.
#[derive(Deserialize)]
struct Settings {
    service: String,
    db: Db,
}

#[derive(Deserialize)]
struct Db {
    host: String,
    password: Secret,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // UPDRAFT_STAGE picks the stage; config.yml sits beside the binary (or UPDRAFT_CONFIG_FILE).
    let config = updraft::config_crypto::load(None).await?;
    let settings: Arc<Settings> = Arc::new(config.deserialize()?);
    updraft::contexts::invoke::handler(move |_: Value| {
        let settings = settings.clone();
        async move {
            Ok::<_, String>(json!({
                "service": settings.service,
                "db_host": settings.db.host,
                "password_length": settings.db.password.expose().len(),
            }))
        }
    })
    .session_optional()
    .run()
    .await?;
    Ok(())
}
