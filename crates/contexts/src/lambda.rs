//! What every Lambda context shares: the runtime's own variables, checked before it starts.

use updraft_core::Env;

use crate::Error;

/// The variables `lambda_runtime` reads, and panics without.
const RUNTIME_VARS: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Checks that the process environment has what `lambda_runtime` needs, so a misconfigured
/// emulator or container gets a typed error naming the variable instead of a panic.
///
/// # Errors
///
/// [`Error::Config`] naming the first missing or malformed variable.
pub fn check_runtime_env() -> Result<(), Error> {
    check(&Env::from_process())
}

fn check(env: &Env) -> Result<(), Error> {
    for name in RUNTIME_VARS {
        env.require(name)?;
    }
    env.parse::<i32>("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
    env.parse::<http::Uri>("AWS_LAMBDA_RUNTIME_API")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_runtime_variables_are_named() {
        let complete = [
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_LAMBDA_FUNCTION_NAME", "f"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ];
        assert!(check(&Env::from_pairs(complete)).is_ok());
        let err = check(&Env::from_pairs(complete[..3].iter().copied())).unwrap_err();
        assert!(
            err.to_string().contains("AWS_LAMBDA_FUNCTION_VERSION"),
            "{err}"
        );
        let mut api = complete;
        api[0].1 = "not a uri at all";
        let err = check(&Env::from_pairs(api)).unwrap_err();
        assert!(err.to_string().contains("AWS_LAMBDA_RUNTIME_API"), "{err}");
        let mut bad = complete;
        bad[2].1 = "lots";
        let err = check(&Env::from_pairs(bad)).unwrap_err();
        assert!(
            err.to_string().contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            "{err}"
        );
    }
}
