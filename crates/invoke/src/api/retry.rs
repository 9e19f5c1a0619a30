//! When a call is tried again: which outcomes, for which methods, how long to wait
//! (`Retry-After` or core's jittered backoff), and the budget that stops a client from
//! multiplying the load on a service that is already failing.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

/// The longest `Retry-After` the client waits for; a longer one ends the call with the answer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(20);

/// What one attempt came to, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The connection was never made: the request did not leave, any method may be retried.
    ConnectFailed,
    /// The connection dropped or timed out after the request was sent: it may have been
    /// processed.
    Dropped,
    /// An answer with this status.
    Answered(StatusCode),
}

/// Whether `outcome` is worth another attempt of a `method` call; `any_method` extends the
/// retries of dropped connections, 429 and 503 to methods that are not idempotent.
pub(crate) fn retryable(outcome: Outcome, method: &Method, any_method: bool) -> bool {
    let idempotent = any_method || is_idempotent(method);
    match outcome {
        Outcome::ConnectFailed => true,
        Outcome::Dropped => idempotent,
        Outcome::Answered(status) => {
            idempotent
                && matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                )
        }
    }
}

/// GET, HEAD, OPTIONS, PUT and DELETE: the methods HTTP defines as idempotent.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The wait a `Retry-After` header asks for: whole seconds (an HTTP date is not honoured and
/// falls back to the backoff). `None` when absent or malformed.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u64>().ok().map(Duration::from_secs)
}

/// A token bucket shared by a client's calls: a retry takes a token, a success gives a tenth
/// of one back. A burst of failures uses up the budget, after which calls fail on their first
/// error until successes refill it: at most about one retry per ten calls, sustained.
#[derive(Debug)]
pub struct RetryBudget {
    /// Tenths of a token.
    tenths: AtomicU32,
    capacity: u32,
}

impl RetryBudget {
    /// A budget of `retries` retries (at least 1) before it needs successes to refill.
    #[must_use]
    pub fn new(retries: u32) -> Self {
        let capacity = retries.max(1).saturating_mul(10);
        Self {
            tenths: AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Takes one retry from the budget; `false` when it is spent.
    pub(crate) fn withdraw(&self) -> bool {
        self.tenths
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(10))
            .is_ok()
    }

    /// A call succeeded: a tenth of a retry back, up to the capacity.
    pub(crate) fn deposit(&self) {
        let _ = self
            .tenths
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < self.capacity).then_some(t + 1)
            });
    }

    /// How many whole retries the budget holds now.
    #[must_use]
    pub fn available(&self) -> u32 {
        self.tenths.load(Ordering::Acquire) / 10
    }
}

impl Default for RetryBudget {
    /// Ten retries.
    fn default() -> Self {
        Self::new(10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_retry_any_method_and_the_rest_only_idempotent_ones() {
        let busy = Outcome::Answered(StatusCode::SERVICE_UNAVAILABLE);
        let throttled = Outcome::Answered(StatusCode::TOO_MANY_REQUESTS);
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            for outcome in [Outcome::ConnectFailed, Outcome::Dropped, busy, throttled] {
                assert!(retryable(outcome, &method, false), "{method} {outcome:?}");
            }
        }
        for method in [Method::POST, Method::PATCH] {
            assert!(retryable(Outcome::ConnectFailed, &method, false));
            for outcome in [Outcome::Dropped, busy, throttled] {
                assert!(!retryable(outcome, &method, false), "{method} {outcome:?}");
                assert!(retryable(outcome, &method, true), "{method} {outcome:?}");
            }
        }
        for status in [400, 401, 404, 409, 500, 502, 504] {
            let outcome = Outcome::Answered(StatusCode::from_u16(status).unwrap());
            assert!(!retryable(outcome, &Method::GET, true), "{status}");
        }
    }

    #[test]
    fn retry_after_takes_whole_seconds_only() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(http::header::RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(with("2"), Some(Duration::from_secs(2)));
        assert_eq!(with(" 0 "), Some(Duration::ZERO));
        for bad in [
            "-1",
            "1.5",
            "soon",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "99999999999",
        ] {
            assert_eq!(with(bad), None, "{bad}");
        }
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn the_budget_runs_out_and_successes_refill_it() {
        let budget = RetryBudget::new(2);
        assert!(budget.withdraw() && budget.withdraw());
        assert!(!budget.withdraw(), "spent");
        for _ in 0..9 {
            budget.deposit();
        }
        assert!(!budget.withdraw(), "nine successes are not yet a retry");
        budget.deposit();
        assert!(budget.withdraw());
        for _ in 0..100 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 2, "capped at the capacity");
    }
}
