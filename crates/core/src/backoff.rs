//! The one retry policy of the workspace: a bounded number of attempts, with exponential
//! backoff and full jitter between them, as AWS recommends for clients that would otherwise
//! retry at the same moment (throttled batch entries, a dropped connection, a cold cache of
//! many Lambda instances).
//!
//! Every retry loop in Updraft (signed requests, SNS and SQS batches, DynamoDB batches, the
//! secrets cache, the local SQS poller, the RDS token refresh) takes its waits from
//! [`Backoff`], so there is one rule to read and to tune.

use std::future::Future;
use std::time::Duration;

/// How often to try, and how long to wait between tries: the wait before retry `n` (1 for the
/// first) is a random duration up to `initial · 2^(n-1)`, capped at `max`.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use updraft_core::backoff::Backoff;
///
/// let policy = Backoff::new(Duration::from_millis(50), Duration::from_secs(3), 4);
/// assert!(policy.delay(3) <= Duration::from_millis(200));
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let calls = std::sync::atomic::AtomicU32::new(0);
/// let answer: Result<u32, &str> = policy
///     .retry(|error: &&str| *error == "throttled", || async {
///         let call = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
///         if call < 3 { Err("throttled") } else { Ok(call) }
///     })
///     .await;
/// assert_eq!(answer, Ok(3));
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempts: u32,
}

impl Default for Backoff {
    /// Three attempts, waits from 100 ms up to 5 s.
    fn default() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(5), 3)
    }
}

impl Backoff {
    /// A policy of `attempts` tries (the first included; at least 1), the waits starting at
    /// `initial` and capped at `max`.
    #[must_use]
    pub const fn new(initial: Duration, max: Duration, attempts: u32) -> Self {
        Self {
            initial,
            max,
            attempts: if attempts == 0 { 1 } else { attempts },
        }
    }

    /// How many tries the policy allows, the first included.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The first retry's ceiling.
    #[must_use]
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The cap on any one wait.
    #[must_use]
    pub fn max(&self) -> Duration {
        self.max
    }

    /// This policy with `attempts` tries (at least 1).
    #[must_use]
    pub const fn with_attempts(self, attempts: u32) -> Self {
        Self::new(self.initial, self.max, attempts)
    }

    /// The wait before retry number `retry` (1 for the first): full jitter under the
    /// doubling ceiling.
    #[must_use]
    pub fn delay(&self, retry: u32) -> Duration {
        full_jitter(self.initial, self.max, retry)
    }

    /// Runs `attempt` until it succeeds, fails with an error `transient` refuses, or the
    /// attempts run out; waits [`Backoff::delay`] between tries. The last error is returned.
    ///
    /// # Errors
    ///
    /// The error of the last attempt.
    pub async fn retry<T, E, F>(
        &self,
        transient: impl Fn(&E) -> bool,
        mut attempt: impl FnMut() -> F,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let mut tried = 1;
        loop {
            match attempt().await {
                Err(error) if tried < self.attempts && transient(&error) => {
                    tokio::time::sleep(self.delay(tried)).await;
                    tried += 1;
                }
                result => return result,
            }
        }
    }

    /// Sleeps the wait before retry `retry`; for loops that decide themselves when to stop.
    pub fn sleep(&self, retry: u32) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(self.delay(retry))
    }
}

/// The wait before retry number `retry` (1 for the first): a random duration up to
/// `initial · 2^(retry-1)`, capped at `max`.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use updraft_core::backoff::full_jitter;
///
/// let wait = full_jitter(Duration::from_millis(50), Duration::from_secs(3), 4);
/// assert!(wait <= Duration::from_millis(400));
/// ```
#[must_use]
pub fn full_jitter(initial: Duration, max: Duration, retry: u32) -> Duration {
    ceiling(initial, max, retry).mul_f64(fastrand::f64())
}

fn ceiling(initial: Duration, max: Duration, retry: u32) -> Duration {
    initial
        .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
        .min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_under_a_doubling_ceiling_and_the_cap() {
        let (initial, max) = (Duration::from_millis(50), Duration::from_secs(3));
        for retry in 0..40 {
            let wait = full_jitter(initial, max, retry);
            assert!(
                wait <= ceiling(initial, max, retry) && wait <= max,
                "retry {retry}: {wait:?}"
            );
        }
        assert_eq!(ceiling(initial, max, 1), initial);
        assert_eq!(ceiling(initial, max, 3), Duration::from_millis(200));
        assert_eq!(ceiling(initial, max, 30), max);
        assert_eq!(
            ceiling(Duration::MAX, Duration::MAX, u32::MAX),
            Duration::MAX
        );
    }

    #[test]
    fn waits_are_jittered_not_fixed() {
        let policy = Backoff::new(Duration::from_secs(1), Duration::from_secs(1), 3);
        let waits: std::collections::HashSet<Duration> = (0..32).map(|_| policy.delay(1)).collect();
        assert!(waits.len() > 1, "full jitter spreads the retries");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_attempts_and_at_a_permanent_error() {
        let policy = Backoff::new(Duration::from_millis(10), Duration::from_secs(1), 3);
        let calls = std::cell::Cell::new(0);
        let result: Result<(), u32> = policy
            .retry(
                |_| true,
                || async {
                    calls.set(calls.get() + 1);
                    Err(calls.get())
                },
            )
            .await;
        assert_eq!(result, Err(3), "three attempts, the last error");
        calls.set(0);
        let result: Result<(), &str> = policy
            .retry(
                |e| *e != "permanent",
                || async {
                    calls.set(calls.get() + 1);
                    Err("permanent")
                },
            )
            .await;
        assert_eq!((result, calls.get()), (Err("permanent"), 1));
        assert_eq!(
            Backoff::new(Duration::ZERO, Duration::ZERO, 0).attempts(),
            1
        );
    }
}
