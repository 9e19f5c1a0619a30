//! Prints an RDS IAM auth token, and nothing else, on stdout.
//!
//! ```sh
//! cargo run -q -p updraft-rds-iam-auth --example token -- \
//!     --hostname mydb.abc123.eu-west-1.rds.amazonaws.com --port 5432 --username app \
//!     --region eu-west-1 [--signing-time 2026-01-02T03:04:05Z]
//! ```
//!
//! Credentials come from the standard chain (environment, profile, SSO, container, instance).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use aws_smithy_types::date_time::{DateTime, Format};
use updraft_rds_iam_auth::{Clock, TokenGenerator};

const USAGE: &str = "usage: token --hostname H --port P --username U --region R [--signing-time 2026-01-02T03:04:05Z]";

struct Args {
    hostname: String,
    port: u16,
    username: String,
    region: String,
    signing_time: Option<SystemTime>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut hostname, mut port, mut username, mut region, mut signing_time) =
        (None, None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--hostname" => hostname = Some(value),
            "--port" => {
                port = Some(
                    value
                        .parse::<u16>()
                        .map_err(|_| format!("--port: `{value}` is not a port"))?,
                );
            }
            "--username" => username = Some(value),
            "--region" => region = Some(value),
            "--signing-time" => {
                let instant = DateTime::from_str(&value, Format::DateTime)
                    .map_err(|e| format!("--signing-time: `{value}`: {e}"))?;
                signing_time = Some(
                    SystemTime::try_from(instant).map_err(|e| format!("--signing-time: {e}"))?,
                );
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        hostname: hostname.ok_or("--hostname is required")?,
        port: port.ok_or("--port is required")?,
        username: username.ok_or("--username is required")?,
        region: region.ok_or("--region is required")?,
        signing_time,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(reason) => {
            eprintln!("{reason}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match updraft_core::aws::ConfigLoader::new()
        .region(&args.region)
        .load()
        .await
    {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let clock = args.signing_time.map_or_else(Clock::system, Clock::fixed);
    let generator = TokenGenerator::new(args.hostname, args.port, args.username)
        .region(args.region)
        .clock(clock);
    match generator.generate(&config).await {
        Ok(token) => match writeln!(std::io::stdout(), "{}", token.expose()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
