//! A distribution-free lower confidence bound of a median, from one order statistic.
//!
//! Method: W. J. Conover, *Practical Nonparametric Statistics* (3rd ed., 1999), §3.2, the
//! confidence interval for a quantile. Of `n` independent samples, the number below the true
//! median is Binomial(n, ½); so the `k`-th smallest sample lies below the median with
//! probability P(Binomial(n, ½) ≥ k). With the normal approximation to the binomial,
//! `k = ⌊n/2 − z·√n/2⌋` makes that probability about Φ(z), whatever the samples' distribution.

/// A lower bound of the median of the distribution `samples` come from, holding with one-sided
/// confidence Φ(`z`) (`z` = 2.326 for 99%): the `⌊n/2 − z·√n/2⌋`-th smallest sample (at least
/// the smallest). NaN when `samples` is empty.
///
/// # Panics
/// If `z` is negative or not finite.
pub fn median_lower_bound(samples: &[f64], z: f64) -> f64 {
    assert!(
        z.is_finite() && z >= 0.0,
        "z must be finite and ≥ 0, got {z}"
    );
    if samples.is_empty() {
        return f64::NAN;
    }
    let n = samples.len() as f64;
    let k = (n / 2.0 - z * n.sqrt() / 2.0).floor().max(1.0) as usize;
    let mut xs = samples.to_vec();
    *xs.select_nth_unstable_by(k - 1, f64::total_cmp).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_textbook_order_statistic_is_taken() {
        // Conover's example size: n = 100 at 95% two-sided (z = 1.96) gives the 40th smallest.
        let xs: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(median_lower_bound(&xs, 1.96), 40.0);
        // z = 0 is the lower middle value; a tiny sample falls back to its minimum.
        assert_eq!(median_lower_bound(&xs, 0.0), 50.0);
        assert_eq!(median_lower_bound(&[3.0, 1.0, 2.0], 2.326), 1.0);
        assert!(median_lower_bound(&[], 2.326).is_nan());
    }

    #[test]
    fn the_bound_holds_about_as_often_as_it_says() {
        // Uniform samples from a fixed LCG stream: the true median is 0.5; at z = 1.645 (95%)
        // the bound should sit below it in about 95 of 100 draws of 64 samples.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let below = (0..1000)
            .filter(|_| {
                let xs: Vec<f64> = (0..64).map(|_| next()).collect();
                median_lower_bound(&xs, 1.645) < 0.5
            })
            .count();
        assert!((930..=985).contains(&below), "{below} of 1000");
    }
}
