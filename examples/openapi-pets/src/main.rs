//! `openapi-pets`: the pet store in Lambda (any HTTP source) or, without
//! `AWS_LAMBDA_RUNTIME_API`, on `127.0.0.1:$PORT` (default 3000). `PETS_SPEC` names the spec
//! to serve (default: the bundled `pets.yaml`). A spec it cannot use stops it before it serves,
//! with every problem listed.

use std::process::ExitCode;

use updraft::core::Env;
use updraft::core::error::Surface as _;

#[tokio::main]
async fn main() -> ExitCode {
    let served = async {
        let env = Env::load()?;
        example_openapi_pets::app(&env)?.run().await
    };
    match served.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "the reason the function cannot start")]
            {
                eprintln!("openapi-pets: {error}");
            }
            ExitCode::from(u8::try_from(error.kind().exit_code()).unwrap_or(70))
        }
    }
}
