//! `count-secrets`: the calls two reads make, against the servers of the AWS configuration
//! (`cargo xtask bench` points it at moto). Prints
//! `COUNT secrets-1000-reads <provider calls for 1000 cached reads of one key>` and
//! `COUNT secrets-25-names <GetParameters calls for get_many of 25 names>`.

use std::io::Write as _;

use updraft::core::aws;
use updraft::secrets::aws_sdk_ssm;
use updraft::secrets::{Cache, Provider, Ssm};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws::load().await?;
    let path = format!("/count-secrets/{}", std::process::id());
    let names: Vec<String> = (0..25).map(|i| format!("{path}/p{i:02}")).collect();
    let client = aws_sdk_ssm::Client::new(&config);
    for name in &names {
        client
            .put_parameter()
            .name(name)
            .value("v")
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await?;
    }

    let cache = Cache::new(Ssm::new(&config));
    for _ in 0..1000 {
        cache.get(&names[0]).await?;
    }
    let ssm = Ssm::new(&config);
    let many = ssm.get_many(&names).await;
    if let Some(Err(e)) = many.iter().find(|r| r.is_err()) {
        return Err(format!("get_many failed: {e}").into());
    }
    for chunk in names.chunks(10) {
        client
            .delete_parameters()
            .set_names(Some(chunk.to_vec()))
            .send()
            .await?;
    }

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "COUNT secrets-1000-reads {}",
        cache.stats().provider_calls
    )?;
    writeln!(out, "COUNT secrets-25-names {}", ssm.api_calls())?;
    Ok(())
}
