//! Timeouts and retries shared by every AWS client Updraft builds.
//!
//! The SDK's own defaults wait a long time on a dead connection. In a Lambda function billed by
//! the millisecond, and behind an API Gateway that gives up after 29 seconds, failing fast and
//! retrying is better, so Updraft sets tighter defaults once for every client (fleece did the
//! same for boto's 60 second socket timeouts).
//!
//! | setting | variable | default |
//! |---|---|---|
//! | TCP + TLS connect | `UPDRAFT_CONNECT_TIMEOUT` | 3 s |
//! | time to the first response byte | `UPDRAFT_READ_TIMEOUT` | 30 s (above SQS's 20 s long poll) |
//! | one attempt, end to end | `UPDRAFT_ATTEMPT_TIMEOUT` | none |
//! | the whole call, all retries included | `UPDRAFT_OPERATION_TIMEOUT` | none |
//! | attempts per call, the first included | `AWS_MAX_ATTEMPTS` | 3 |
//! | retry mode, `standard` or `adaptive` | `AWS_RETRY_MODE` | standard |
//!
//! Durations are written `500ms`, `3s`, `2m` or as a bare number of seconds; `off` disables a
//! timeout. A value set in code ([`super::ConfigLoader`]) wins over the variable, which wins
//! over the default.

use std::time::Duration;

use aws_smithy_types::retry::{RetryConfig, RetryMode};
use aws_smithy_types::timeout::TimeoutConfig;

use crate::{Env, Error};

/// The default TCP and TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default time allowed until the first byte of a response.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The default number of attempts per call, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// One timeout setting: not given, given as a duration, or explicitly disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Limit {
    #[default]
    Unset,
    Set(Duration),
    Off,
}

impl Limit {
    fn or(self, other: Limit) -> Limit {
        match self {
            Limit::Unset => other,
            given => given,
        }
    }

    fn resolve(self, default: Option<Duration>) -> Option<Duration> {
        match self {
            Limit::Unset => default,
            Limit::Set(d) => Some(d),
            Limit::Off => None,
        }
    }

    fn from_env(env: &Env, name: &str) -> Result<Limit, Error> {
        match env.non_empty(name).map(str::trim) {
            Some(off) if off.eq_ignore_ascii_case("off") || off.eq_ignore_ascii_case("none") => {
                Ok(Limit::Off)
            }
            _ => Ok(env.duration(name)?.map_or(Limit::Unset, Limit::Set)),
        }
    }
}

/// The timeouts and retry settings given in code; unset ones come from the environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) connect: Limit,
    pub(crate) read: Limit,
    pub(crate) attempt: Limit,
    pub(crate) operation: Limit,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) retry_mode: Option<RetryMode>,
}

/// Resolves code > environment > default into the SDK's timeout and retry configs.
pub(crate) fn resolve(env: &Env, code: &Overrides) -> Result<(TimeoutConfig, RetryConfig), Error> {
    let connect = code
        .connect
        .or(Limit::from_env(env, "UPDRAFT_CONNECT_TIMEOUT")?);
    let read = code.read.or(Limit::from_env(env, "UPDRAFT_READ_TIMEOUT")?);
    let attempt = code
        .attempt
        .or(Limit::from_env(env, "UPDRAFT_ATTEMPT_TIMEOUT")?);
    let operation = code
        .operation
        .or(Limit::from_env(env, "UPDRAFT_OPERATION_TIMEOUT")?);

    // `None` disables a timeout here, so `off` cannot fall back to an SDK default.
    let mut timeouts = TimeoutConfig::builder();
    timeouts
        .set_connect_timeout(connect.resolve(Some(DEFAULT_CONNECT_TIMEOUT)))
        .set_read_timeout(read.resolve(Some(DEFAULT_READ_TIMEOUT)))
        .set_operation_attempt_timeout(attempt.resolve(None))
        .set_operation_timeout(operation.resolve(None));
    let timeouts = timeouts.build();

    let max_attempts = match code.max_attempts {
        Some(n) => n,
        None => env
            .parse::<u32>("AWS_MAX_ATTEMPTS")?
            .unwrap_or(DEFAULT_MAX_ATTEMPTS),
    };
    if max_attempts == 0 {
        return Err(Error::invalid_var(
            "AWS_MAX_ATTEMPTS",
            "must be at least 1 (the first attempt counts)",
        ));
    }
    let mode = match code.retry_mode {
        Some(mode) => mode,
        None => env
            .parse::<RetryMode>("AWS_RETRY_MODE")?
            .unwrap_or(RetryMode::Standard),
    };
    let retry = match mode {
        RetryMode::Adaptive => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    }
    .with_max_attempts(max_attempts);
    Ok((timeouts, retry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_tight() {
        let (timeouts, retry) = resolve(&Env::default(), &Overrides::default()).unwrap();
        assert_eq!(timeouts.connect_timeout(), Some(DEFAULT_CONNECT_TIMEOUT));
        assert_eq!(timeouts.read_timeout(), Some(DEFAULT_READ_TIMEOUT));
        assert_eq!(timeouts.operation_timeout(), None);
        assert_eq!(retry.max_attempts(), 3);
        assert_eq!(retry.mode(), RetryMode::Standard);
    }

    #[test]
    fn code_beats_env_beats_default() {
        let env = Env::from_pairs([
            ("UPDRAFT_CONNECT_TIMEOUT", "750ms"),
            ("UPDRAFT_READ_TIMEOUT", "5"),
            ("UPDRAFT_OPERATION_TIMEOUT", "1m"),
            ("AWS_MAX_ATTEMPTS", "5"),
            ("AWS_RETRY_MODE", "adaptive"),
        ]);
        let code = Overrides {
            read: Limit::Set(Duration::from_secs(9)),
            max_attempts: Some(2),
            ..Overrides::default()
        };
        let (timeouts, retry) = resolve(&env, &code).unwrap();
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_millis(750)));
        assert_eq!(timeouts.read_timeout(), Some(Duration::from_secs(9)));
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_mins(1)));
        assert_eq!(retry.max_attempts(), 2);
        assert_eq!(retry.mode(), RetryMode::Adaptive);
    }

    #[test]
    fn off_disables_a_timeout() {
        let env = Env::from_pairs([("UPDRAFT_READ_TIMEOUT", "off")]);
        let (timeouts, _) = resolve(&env, &Overrides::default()).unwrap();
        assert_eq!(timeouts.read_timeout(), None);
        assert_eq!(timeouts.connect_timeout(), Some(DEFAULT_CONNECT_TIMEOUT));
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (name, value) in [
            ("UPDRAFT_CONNECT_TIMEOUT", "fast"),
            ("UPDRAFT_READ_TIMEOUT", "10 parsecs"),
            ("AWS_MAX_ATTEMPTS", "three"),
            ("AWS_MAX_ATTEMPTS", "0"),
            ("AWS_RETRY_MODE", "eager"),
        ] {
            let err =
                resolve(&Env::from_pairs([(name, value)]), &Overrides::default()).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidVar { name: n, .. } if n == name),
                "{name}={value}: {err}"
            );
        }
    }
}
