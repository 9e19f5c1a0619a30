//! How a [`Cache`](super::Cache) behaves, in code or from the environment.

use std::time::Duration;

use updraft_core::Env;
use updraft_core::aws::backoff::Backoff;

use crate::Error;

/// The variable for the default time to live (`30s`, `5m`, …; default 5 minutes).
pub const TTL_VAR: &str = "UPDRAFT_SECRETS_TTL";
/// The variable for the most entries kept (default 1000).
pub const MAX_ENTRIES_VAR: &str = "UPDRAFT_SECRETS_MAX_ENTRIES";
/// The variable for how long past its expiry a value may still be served when the provider
/// fails transiently (default: unset, never).
pub const MAX_STALENESS_VAR: &str = "UPDRAFT_SECRETS_MAX_STALENESS";

/// The longest time to live or staleness the variables accept: a day. A longer one is almost
/// always a unit mistake (`300000` meant as milliseconds), and a value cached for days would
/// outlive any rotation.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Cache settings. The defaults: values live 5 minutes, at most 1000 are kept, a throttled
/// read is tried 4 times with jittered backoff from 100 ms, and stale values are never served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSettings {
    /// How long a value is served before the next read fetches it again.
    pub ttl: Duration,
    /// The most values kept; the least recently fetched goes first. Only values count: a
    /// name whose read failed is never kept, so failed reads never push good values out.
    pub max_entries: usize,
    /// When set, a value up to this long past its expiry is served if the provider fails in a
    /// way that may pass (throttled, unreachable, timing out).
    pub max_staleness: Option<Duration>,
    /// The tries of a throttled read, the workspace's one retry policy.
    pub retry: Backoff,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_entries: 1000,
            max_staleness: None,
            retry: Backoff::new(Duration::from_millis(100), Duration::from_secs(2), 4),
        }
    }
}

impl CacheSettings {
    /// The defaults, overridden by [`TTL_VAR`], [`MAX_ENTRIES_VAR`] and [`MAX_STALENESS_VAR`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the variable when one is malformed.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let invalid = |e: updraft_core::Error| Error::Invalid(e.to_string());
        let bounded = |name: &str| -> Result<Option<Duration>, Error> {
            match env.duration(name).map_err(invalid)? {
                Some(value) if value > MAX_TTL => Err(Error::Invalid(format!(
                    "{name} is {value:?}, over the limit of {MAX_TTL:?} (one day)"
                ))),
                other => Ok(other),
            }
        };
        let mut settings = Self::default();
        if let Some(ttl) = bounded(TTL_VAR)? {
            settings.ttl = ttl;
        }
        if let Some(max) = env.parse::<usize>(MAX_ENTRIES_VAR).map_err(invalid)? {
            if max == 0 {
                return Err(Error::Invalid(format!(
                    "{MAX_ENTRIES_VAR} must be at least 1"
                )));
            }
            settings.max_entries = max;
        }
        settings.max_staleness = bounded(MAX_STALENESS_VAR)?;
        Ok(settings)
    }

    /// With this time to live.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// With at most this many entries (at least one).
    #[must_use]
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.max(1);
        self
    }

    /// Serving values up to `limit` past their expiry when the provider fails transiently.
    #[must_use]
    pub fn max_staleness(mut self, limit: Duration) -> Self {
        self.max_staleness = Some(limit);
        self
    }

    /// With this policy for throttled reads.
    #[must_use]
    pub fn retry(mut self, retry: Backoff) -> Self {
        self.retry = retry;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_the_defaults_and_bad_ones_are_named() {
        let env = Env::from_pairs([
            (TTL_VAR, "30s"),
            (MAX_ENTRIES_VAR, "5"),
            (MAX_STALENESS_VAR, "2m"),
        ]);
        let settings = CacheSettings::from_env(&env).unwrap();
        assert_eq!(settings.ttl, Duration::from_secs(30));
        assert_eq!(settings.max_entries, 5);
        assert_eq!(settings.max_staleness, Some(Duration::from_secs(120)));
        assert_eq!(
            CacheSettings::from_env(&Env::from_pairs([("X", "1")])).unwrap(),
            CacheSettings::default()
        );
        for (name, value) in [
            (TTL_VAR, "soon"),
            (MAX_ENTRIES_VAR, "-1"),
            (MAX_ENTRIES_VAR, "0"),
            (MAX_STALENESS_VAR, "1 fortnight"),
            (TTL_VAR, "500000000000000000"),
            (TTL_VAR, "25h"),
            (MAX_STALENESS_VAR, "9999999999999999"),
        ] {
            let error = CacheSettings::from_env(&Env::from_pairs([(name, value)]))
                .unwrap_err()
                .to_string();
            assert!(error.contains(name), "{error}");
        }
    }
}
