//! How a [`Cache`](super::Cache) behaves, in code or from the environment.

use std::time::Duration;

use updraft_core::Env;

use crate::Error;

/// The variable for the default time to live (`30s`, `5m`, …; default 5 minutes).
pub const TTL_VAR: &str = "UPDRAFT_SECRETS_TTL";
/// The variable for the most entries kept (default 1000).
pub const MAX_ENTRIES_VAR: &str = "UPDRAFT_SECRETS_MAX_ENTRIES";
/// The variable for how long past its expiry a value may still be served when the provider
/// fails transiently (default: unset, never).
pub const MAX_STALENESS_VAR: &str = "UPDRAFT_SECRETS_MAX_STALENESS";

/// Cache settings. The defaults: values live 5 minutes, at most 1000 are kept, a throttled
/// read is retried 3 times with backoff from 100 ms, and stale values are never served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSettings {
    /// How long a value is served before the next read fetches it again.
    pub ttl: Duration,
    /// The most values kept; the least recently fetched goes first.
    pub max_entries: usize,
    /// When set, a value up to this long past its expiry is served if the provider fails in a
    /// way that may pass (throttled, unreachable, timing out).
    pub max_staleness: Option<Duration>,
    /// Retries of a throttled read, after the first attempt.
    pub throttle_retries: u32,
    /// The first retry's backoff; doubled each time, with jitter.
    pub backoff: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_entries: 1000,
            max_staleness: None,
            throttle_retries: 3,
            backoff: Duration::from_millis(100),
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
        let mut settings = Self::default();
        if let Some(ttl) = env.duration(TTL_VAR).map_err(invalid)? {
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
        settings.max_staleness = env.duration(MAX_STALENESS_VAR).map_err(invalid)?;
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

    /// With this many retries of a throttled read, the first after `backoff`.
    #[must_use]
    pub fn throttle_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.throttle_retries = retries;
        self.backoff = backoff;
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
        ] {
            let error = CacheSettings::from_env(&Env::from_pairs([(name, value)]))
                .unwrap_err()
                .to_string();
            assert!(error.contains(name), "{error}");
        }
    }
}
