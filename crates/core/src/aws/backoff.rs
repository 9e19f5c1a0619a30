//! Backoff between retries of an AWS call: exponential with full jitter, as AWS recommends for
//! clients that retry at once (throttled batch entries, a dropped connection).

use std::time::Duration;

/// The wait before retry number `retry` (1 for the first): a random duration up to
/// `initial · 2^(retry-1)`, capped at `max`.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use updraft_core::aws::backoff::full_jitter;
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
    }
}
