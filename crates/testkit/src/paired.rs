//! [`paired`]: two sides of a benchmark timed in alternating rounds, for the ratios
//! `cargo xtask bench` reports.

use std::time::Duration;

/// The result of [`paired`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The median of the per-round ratios, first side ÷ second side.
    pub ratio: f64,
    /// The median round of the first side.
    pub first: Duration,
    /// The median round of the second side.
    pub second: Duration,
}

/// Times `first` and `second` (each one round, returning its duration) `rounds` times,
/// alternating which goes first so that neither always runs on a warmer cache, and returns
/// the median of the per-round ratios with each side's median round. Pairing the rounds
/// keeps a machine's drift during the run out of the ratio.
///
/// # Panics
///
/// When `rounds` is 0.
pub fn paired(
    rounds: usize,
    mut first: impl FnMut() -> Duration,
    mut second: impl FnMut() -> Duration,
) -> Paired {
    assert!(rounds > 0, "at least one round");
    let pairs: Vec<(Duration, Duration)> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let a = first();
                (a, second())
            } else {
                let b = second();
                (first(), b)
            }
        })
        .collect();
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    Paired {
        ratio: ratios[ratios.len() / 2],
        first: median(pairs.iter().map(|p| p.0).collect()),
        second: median(pairs.iter().map(|p| p.1).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_ratio_and_rounds_are_returned_and_sides_alternate() {
        let mut order = Vec::new();
        let order_cell = std::cell::RefCell::new(&mut order);
        let paired = paired(
            5,
            || {
                order_cell.borrow_mut().push('a');
                Duration::from_millis(30)
            },
            || {
                order_cell.borrow_mut().push('b');
                Duration::from_millis(10)
            },
        );
        assert!((paired.ratio - 3.0).abs() < 1e-9, "{paired:?}");
        assert_eq!(paired.first, Duration::from_millis(30));
        assert_eq!(paired.second, Duration::from_millis(10));
        assert_eq!(order.iter().collect::<String>(), "abbaabbaab");
    }
}
