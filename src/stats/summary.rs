//! Descriptive statistics of a sample: median, percentiles, mean, standard deviation, [`Summary`].

use serde::Serialize;
use std::cmp::Ordering;

/// The median of `xs`: the 50th [`percentile`], so the mean of the two middle values when the
/// length is even. NaN when `xs` is empty.
pub fn median(xs: &[f64]) -> f64 {
    median_in_place(&mut xs.to_vec())
}

/// The `p`-th percentile of `xs` (`p` in 0..=100), by linear interpolation between closest ranks.
///
/// This is numpy's default (`method='linear'`, Hyndman & Fan 1996 definition 7): with the values
/// sorted as `x[0] ≤ … ≤ x[n-1]`, take the fractional rank `h = (n - 1)·p/100` and return
/// `x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋ + 1] - x[⌊h⌋])`. So `p = 0` gives the minimum and `p = 100` the
/// maximum. NaN when `xs` is empty.
///
/// # Panics
/// If `p` is not within 0..=100 (a caller's mistake, unlike an empty sample).
pub fn percentile(xs: &[f64], p: f64) -> f64 {
    percentile_sorted(&sorted(xs), p)
}

/// The arithmetic mean of `xs`; NaN when `xs` is empty.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The sample standard deviation of `xs` (Bessel's correction: divides by `n - 1`), computed in
/// two passes around the mean. NaN when `xs` has fewer than two values.
pub fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    let squares: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    (squares / (xs.len() - 1) as f64).sqrt()
}

/// The usual description of a timing sample (all values in the sample's unit, e.g. µs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// The [`median`].
    pub median: f64,
    /// The 10th [`percentile`].
    pub p10: f64,
    /// The 90th [`percentile`].
    pub p90: f64,
    /// The [`mean`].
    pub mean: f64,
    /// The sample standard deviation ([`std_dev`]); NaN when `n` is 1.
    pub std: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// Summarizes `xs`, sorting one copy of it; `None` when `xs` is empty.
    pub fn of(xs: &[f64]) -> Option<Summary> {
        let s = sorted(xs);
        let (&min, &max) = (s.first()?, s.last()?);
        Some(Summary {
            n: s.len(),
            median: percentile_sorted(&s, 50.0),
            p10: percentile_sorted(&s, 10.0),
            p90: percentile_sorted(&s, 90.0),
            mean: mean(xs),
            std: std_dev(xs),
            min,
            max,
        })
    }
}

/// A sorted copy of `xs`, in IEEE total order (a NaN sorts after +∞ instead of panicking).
pub(crate) fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// [`percentile`] of values already sorted ascending.
pub(crate) fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    assert!(
        (0.0..=100.0).contains(&p),
        "percentile must be within 0..=100, got {p}"
    );
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * (p / 100.0);
    let lo = h.floor() as usize;
    match sorted.get(lo + 1) {
        Some(&next) => lerp(sorted[lo], next, h - lo as f64),
        None => sorted[lo],
    }
}

/// The median of `xs`, reordering `xs` (selection instead of a full sort: O(n) on average).
/// NaN when `xs` is empty.
pub(crate) fn median_in_place(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let (mid, odd) = (xs.len() / 2, xs.len() % 2 == 1);
    let (below, &mut upper, _) = xs.select_nth_unstable_by(mid, f64::total_cmp);
    if odd {
        return upper;
    }
    let lower = below
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(upper);
    lerp(lower, upper, 0.5)
}

/// `a + t·(b - a)`, evaluated from the nearer end as numpy's `_lerp` does, so that `t = 1`
/// gives exactly `b`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    match t.partial_cmp(&0.5) {
        Some(Ordering::Less) => a + diff * t,
        _ => b - diff * (1.0 - t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ODD: [f64; 7] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0];
    const EVEN: [f64; 6] = [12.5, 10.0, 11.0, 14.0, 10.5, 13.0];

    fn assert_close(got: f64, want: f64, rel: f64) {
        let tol = rel * want.abs().max(f64::MIN_POSITIVE);
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    // Expected values: numpy 2.4.6, `np.median(x)`.
    #[test]
    fn median_of_odd_and_even_lengths() {
        assert_eq!(median(&ODD), 3.0);
        assert_eq!(median(&EVEN), 11.75);
        assert_eq!(median(&[7.5]), 7.5);
        assert_eq!(median(&[2.0, 1.0]), 1.5);
    }

    // Expected values: numpy 2.4.6, `np.percentile(x, p)` (default method='linear').
    #[test]
    fn percentile_matches_numpy_linear() {
        let odd = [
            (0.0, 1.0),
            (10.0, 1.0),
            (25.0, 1.5),
            (33.3, 1.9979999999999998),
            (50.0, 3.0),
            (90.0, 6.600000000000001),
            (100.0, 9.0),
        ];
        let even = [
            (0.0, 10.0),
            (10.0, 10.25),
            (25.0, 10.625),
            (33.3, 10.8325),
            (50.0, 11.75),
            (90.0, 13.5),
            (100.0, 14.0),
        ];
        for (p, want) in odd {
            assert_close(percentile(&ODD, p), want, 1e-14);
        }
        for (p, want) in even {
            assert_close(percentile(&EVEN, p), want, 1e-14);
        }
    }

    #[test]
    fn percentile_ends_are_min_and_max_exactly() {
        let xs = [0.1, 0.7, 0.2, 0.3];
        assert_eq!(percentile(&xs, 0.0), 0.1);
        assert_eq!(percentile(&xs, 100.0), 0.7);
    }

    #[test]
    fn median_is_the_50th_percentile() {
        let xs = [0.3, 0.1, 0.7, 0.2, 0.9, 0.4, 0.8, 0.6];
        assert_eq!(median(&xs), percentile(&xs, 50.0));
    }

    #[test]
    #[should_panic(expected = "within 0..=100")]
    fn percentile_rejects_p_out_of_range() {
        percentile(&ODD, 101.0);
    }

    // Expected values: numpy 2.4.6, `np.mean(x)` and `np.std(x, ddof=1)`.
    #[test]
    fn mean_and_sample_std_match_numpy() {
        assert_close(mean(&ODD), 3.5714285714285716, 1e-15);
        assert_close(std_dev(&ODD), 2.819996622760558, 1e-14);
        assert_close(mean(&EVEN), 11.833333333333334, 1e-15);
        assert_close(std_dev(&EVEN), 1.570562531918633, 1e-14);
    }

    #[test]
    fn empty_and_single_inputs() {
        assert!(median(&[]).is_nan());
        assert!(percentile(&[], 50.0).is_nan());
        assert!(mean(&[]).is_nan());
        assert!(std_dev(&[4.0]).is_nan());
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn summary_collects_the_statistics() {
        let s = Summary::of(&EVEN).expect("non-empty");
        assert_eq!(s.n, 6);
        assert_eq!((s.min, s.max), (10.0, 14.0));
        assert_eq!(s.median, 11.75);
        assert_close(s.p10, 10.25, 1e-14);
        assert_close(s.p90, 13.5, 1e-14);
        assert_close(s.mean, 11.833333333333334, 1e-15);
        assert_close(s.std, 1.570562531918633, 1e-14);
    }

    #[test]
    fn summary_of_one_value() {
        let s = Summary::of(&[2.5]).expect("non-empty");
        assert_eq!((s.n, s.median, s.p10, s.p90), (1, 2.5, 2.5, 2.5));
        assert!(s.std.is_nan());
    }
}
