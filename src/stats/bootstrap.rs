//! Seeded percentile-bootstrap confidence intervals for a median and a ratio of medians.
//!
//! Method: the percentile bootstrap of B. Efron and R. J. Tibshirani, *An Introduction to the
//! Bootstrap* (1993), ch. 13: resample each group with replacement (same size as the group),
//! recompute the statistic, and take the `(1 − c)/2` and `(1 + c)/2` [`percentile`]s of the
//! resampled statistics as the interval at confidence `c`.
//!
//! Draws come from `StdRng::seed_from_u64(seed)`: the same inputs and seed give the same interval
//! (for a given version of the `rand` crate, which may change `StdRng`'s algorithm).
//!
//! [`percentile`]: super::percentile

use super::summary::{median, median_in_place, percentile_sorted};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// A point estimate with a confidence interval around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The statistic on the samples themselves.
    pub point: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
}

impl Interval {
    /// Whether `x` lies within `lo..=hi`.
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// `hi − lo`.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// The percentile-bootstrap interval `(lo, hi)` for the median of `samples` at `confidence`
/// (e.g. 0.95), from `resamples` resamples drawn with `seed`. `(NaN, NaN)` when `samples` is
/// empty.
///
/// # Panics
/// If `confidence` is not strictly between 0 and 1, or `resamples` is 0.
pub fn median_ci(samples: &[f64], confidence: f64, resamples: usize, seed: u64) -> (f64, f64) {
    check_parameters(confidence, resamples);
    if samples.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut buf = Vec::with_capacity(samples.len());
    let medians: Vec<f64> = (0..resamples)
        .map(|_| resampled_median(samples, &mut rng, &mut buf))
        .collect();
    percentile_interval(medians, confidence)
}

/// The speedup `median(baseline) / median(candidate)` with its percentile-bootstrap interval at
/// `confidence`, from `resamples` pairs of resamples drawn with `seed`; the two groups are
/// resampled independently. All NaN when either group is empty.
///
/// # Panics
/// If `confidence` is not strictly between 0 and 1, or `resamples` is 0.
pub fn ratio_of_medians_ci(
    baseline: &[f64],
    candidate: &[f64],
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Interval {
    check_parameters(confidence, resamples);
    let point = median(baseline) / median(candidate);
    if baseline.is_empty() || candidate.is_empty() {
        return Interval {
            point,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut buf = Vec::with_capacity(baseline.len().max(candidate.len()));
    let ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            let b = resampled_median(baseline, &mut rng, &mut buf);
            b / resampled_median(candidate, &mut rng, &mut buf)
        })
        .collect();
    let (lo, hi) = percentile_interval(ratios, confidence);
    Interval { point, lo, hi }
}

fn check_parameters(confidence: f64, resamples: usize) {
    assert!(
        confidence > 0.0 && confidence < 1.0,
        "confidence must be strictly between 0 and 1, got {confidence}"
    );
    assert!(resamples > 0, "the bootstrap needs at least one resample");
}

/// The median of one resample of `samples` (same size, drawn with replacement), using `buf` as
/// scratch space.
fn resampled_median(samples: &[f64], rng: &mut StdRng, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend((0..samples.len()).map(|_| samples[rng.random_range(0..samples.len())]));
    median_in_place(buf)
}

/// The central `confidence` interval of the bootstrap distribution `stats`.
fn percentile_interval(mut stats: Vec<f64>, confidence: f64) -> (f64, f64) {
    stats.sort_unstable_by(f64::total_cmp);
    let tail = 50.0 * (1.0 - confidence);
    (
        percentile_sorted(&stats, tail),
        percentile_sorted(&stats, 100.0 - tail),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    /// `n` draws from N(mean, sd²) with a fixed seed.
    fn normal_sample(n: usize, mean: f64, sd: f64, seed: u64) -> Vec<f64> {
        let dist = Normal::new(mean, sd).expect("valid parameters");
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| dist.sample(&mut rng)).collect()
    }

    #[test]
    fn median_ci_contains_the_sample_median() {
        let xs = normal_sample(200, 100.0, 5.0, 1);
        let (lo, hi) = median_ci(&xs, 0.95, 2000, 7);
        let m = median(&xs);
        assert!(lo < m && m < hi, "({lo}, {hi}) should contain {m}");
    }

    #[test]
    fn same_seed_same_interval_other_seed_other_interval() {
        let xs = normal_sample(100, 50.0, 3.0, 2);
        let a = median_ci(&xs, 0.95, 1000, 42);
        assert_eq!(a, median_ci(&xs, 0.95, 1000, 42));
        assert_ne!(a, median_ci(&xs, 0.95, 1000, 43));
    }

    #[test]
    fn interval_narrows_with_more_samples() {
        let width = |n| {
            let (lo, hi) = median_ci(&normal_sample(n, 100.0, 5.0, 3), 0.95, 1000, 11);
            hi - lo
        };
        let (small, large) = (width(20), width(1000));
        assert!(
            large < small / 4.0,
            "n=2000 width {large} vs n=20 width {small}"
        );
    }

    #[test]
    fn interval_widens_with_confidence() {
        let xs = normal_sample(100, 100.0, 5.0, 4);
        let (lo90, hi90) = median_ci(&xs, 0.90, 2000, 5);
        let (lo99, hi99) = median_ci(&xs, 0.99, 2000, 5);
        assert!(lo99 <= lo90 && hi90 <= hi99 && hi99 - lo99 > hi90 - lo90);
    }

    /// Over 200 samples of 25 values from N(100, 5²) (true median 100), the 95% interval
    /// should cover 100 in roughly 95% of them; a broken interval (too narrow, or off-centre)
    /// lands outside 90–99%.
    #[test]
    fn median_ci_coverage_is_near_nominal() {
        let covered = (0..200u64)
            .filter(|&i| {
                let xs = normal_sample(25, 100.0, 5.0, 1000 + i);
                let (lo, hi) = median_ci(&xs, 0.95, 500, 5000 + i);
                lo <= 100.0 && 100.0 <= hi
            })
            .count();
        assert!((180..=198).contains(&covered), "covered {covered} of 200");
    }

    #[test]
    fn interval_takes_the_central_percentiles() {
        // 1001 values 1..=1001: the p-th percentile is 1 + 10·p.
        let stats: Vec<f64> = (1..=1001).rev().map(f64::from).collect();
        for (confidence, want) in [(0.95, (26.0, 976.0)), (0.5, (251.0, 751.0))] {
            let (lo, hi) = percentile_interval(stats.clone(), confidence);
            assert!(
                (lo - want.0).abs() < 1e-9 && (hi - want.1).abs() < 1e-9,
                "({lo}, {hi})"
            );
        }
    }

    #[test]
    fn constant_and_single_samples_give_degenerate_intervals() {
        assert_eq!(median_ci(&[3.0; 10], 0.95, 100, 1), (3.0, 3.0));
        assert_eq!(median_ci(&[2.5], 0.95, 100, 1), (2.5, 2.5));
        let (lo, hi) = median_ci(&[], 0.95, 100, 1);
        assert!(lo.is_nan() && hi.is_nan());
    }

    #[test]
    #[should_panic(expected = "strictly between 0 and 1")]
    fn rejects_confidence_of_one() {
        median_ci(&[1.0, 2.0], 1.0, 100, 1);
    }

    #[test]
    fn ratio_ci_around_a_twofold_speedup() {
        let baseline = normal_sample(300, 200.0, 4.0, 6);
        let candidate = normal_sample(300, 100.0, 2.0, 7);
        let r = ratio_of_medians_ci(&baseline, &candidate, 0.95, 1000, 8);
        assert_eq!(r.point, median(&baseline) / median(&candidate));
        assert!(r.contains(r.point) && r.contains(2.0), "{r:?}");
        assert!(r.lo > 1.9 && r.hi < 2.1, "{r:?}");
        assert_eq!(r, ratio_of_medians_ci(&baseline, &candidate, 0.95, 1000, 8));
    }

    #[test]
    fn ratio_ci_of_a_group_with_itself_contains_one() {
        let xs = normal_sample(100, 100.0, 5.0, 9);
        let r = ratio_of_medians_ci(&xs, &xs, 0.95, 1000, 12);
        assert_eq!(r.point, 1.0);
        assert!(r.lo < 1.0 && 1.0 < r.hi, "{r:?}");
    }

    #[test]
    fn ratio_ci_narrows_with_more_samples() {
        let ci = |n| {
            let (b, c) = (
                normal_sample(n, 150.0, 5.0, 9),
                normal_sample(n, 100.0, 5.0, 10),
            );
            ratio_of_medians_ci(&b, &c, 0.95, 500, 12)
        };
        let (small, large) = (ci(30), ci(1000));
        assert!(small.contains(small.point) && large.contains(large.point));
        assert!(large.width() < small.width() / 4.0, "{small:?} {large:?}");
    }

    #[test]
    fn ratio_ci_of_an_empty_group_is_nan() {
        let r = ratio_of_medians_ci(&[1.0], &[], 0.95, 10, 1);
        assert!(r.point.is_nan() && r.lo.is_nan() && r.hi.is_nan());
    }
}
