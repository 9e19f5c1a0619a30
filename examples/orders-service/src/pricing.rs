//! The `pricing` function: the tax of an amount in the caller's state, invoked by the consumer
//! through `LambdaInvoker` with the session in the envelope.

use updraft::contexts::HandlerResult;
use updraft::core::Session;

use crate::model::{Tax, TaxRequest};

/// Sales tax by state, in basis points; states not listed pay [`DEFAULT_RATE`].
pub const RATES: [(&str, u32); 4] = [
    ("ohio", 575),
    ("connecticut", 635),
    ("texas", 625),
    ("oregon", 0),
];

/// The rate of a state not in [`RATES`], in basis points.
pub const DEFAULT_RATE: u32 = 500;

/// The rate of `state`, in basis points.
#[must_use]
pub fn rate(state: &str) -> u32 {
    RATES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(state))
        .map_or(DEFAULT_RATE, |(_, rate)| *rate)
}

/// The tax of `amount_cents` at `rate_basis_points`, rounded half up; `None` on overflow.
#[must_use]
pub fn tax_of(amount_cents: u64, rate_basis_points: u32) -> Option<u64> {
    amount_cents
        .checked_mul(u64::from(rate_basis_points))?
        .checked_add(5_000)
        .map(|scaled| scaled / 10_000)
}

/// The handler: the tax of the request in the state of the invocation's session.
///
/// # Errors
///
/// An amount whose tax overflows; the invoke context has already refused an event without a
/// session state.
#[allow(
    clippy::unused_async,
    reason = "a handler is an async function, whether or not it awaits"
)]
pub async fn price(request: TaxRequest) -> HandlerResult<Tax> {
    let state = Session::current()
        .and_then(|session| session.state)
        .ok_or("the invocation has no session state")?;
    let rate_basis_points = rate(&state);
    let tax_cents = tax_of(request.total_cents, rate_basis_points)
        .ok_or_else(|| format!("the tax of {} cents overflows", request.total_cents))?;
    Ok(Tax {
        rate_basis_points,
        tax_cents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxes_round_half_up_and_never_overflow() {
        assert_eq!(tax_of(10_000, 575), Some(575));
        assert_eq!(tax_of(1, 5_000), Some(1), "0.5 cent rounds up");
        assert_eq!(tax_of(1, 4_999), Some(0));
        assert_eq!(tax_of(u64::MAX, 575), None);
        assert_eq!(rate("Ohio"), 575);
        assert_eq!(rate("nowhere"), DEFAULT_RATE);
    }

    #[tokio::test]
    async fn the_state_of_the_session_picks_the_rate() {
        let tax = Session::with_state("connecticut")
            .scope(price(TaxRequest {
                total_cents: 20_000,
            }))
            .await
            .unwrap();
        assert_eq!(
            tax,
            Tax {
                rate_basis_points: 635,
                tax_cents: 1_270
            }
        );
        let err = price(TaxRequest { total_cents: 1 }).await.unwrap_err();
        assert!(err.to_string().contains("no session state"), "{err}");
    }
}
