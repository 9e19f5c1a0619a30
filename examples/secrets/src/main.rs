//! `secrets`: seeds SSM and Secrets Manager, writes a `.env` that references them, resolves it
//! and prints the configuration redacted, then reads one parameter 1000 times through the
//! cache and prints its counters.

use std::io::Write as _;

use example_secrets::{AppConfig, Failure, Store};
use updraft::core::{Env, aws};
use updraft::secrets::{Cache, Provider, Ssm};

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let config = aws::load().await?;
    let run = format!(
        "{}-{}",
        std::process::id(),
        std::time::UNIX_EPOCH.elapsed()?.as_millis()
    );
    let store = Store::new(&run);
    store.seed(&config).await?;
    let dir = std::env::temp_dir().join(format!("example-secrets-{run}"));
    std::fs::create_dir_all(&dir)?;
    let dot_env = dir.join(".env");
    std::fs::write(&dot_env, store.dot_env())?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "the .env:\n{}", store.dot_env())?;
    let app = AppConfig::resolve(&config, &Env::load_from(&dot_env)?).await?;
    writeln!(out, "resolved: {app:#?}")?;

    let cache = Cache::new(Ssm::new(&config));
    let name = format!("{}/api-key", store.path);
    for _ in 0..1000 {
        cache.get(&name).await?;
    }
    let stats = cache.stats();
    writeln!(
        out,
        "1000 reads of {name}: hits: {}, misses: {}, provider calls: {}",
        stats.hits, stats.misses, stats.provider_calls
    )?;

    store.delete(&config).await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
