//! Effect sizes of the difference between two samples: Hedges' g and Cliff's delta.
//!
//! Sign convention for both: positive when the first sample tends to be larger. With timings
//! passed as `(baseline, candidate)`, a positive effect means the candidate is faster.

use super::summary::{mean, sorted};

/// Hedges' g: Cohen's d with the pooled standard deviation, times the small-sample correction.
///
/// `d = (mean(a) − mean(b)) / s_p` with `s_p² = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)` (sample
/// variances), and `g = J·d` with `J = 1 − 3/(4(n₁+n₂) − 9)`: L. V. Hedges, "Distribution theory
/// for Glass's estimator of effect size and related estimators", *J. Educational Statistics* 6
/// (1981) 107–128; L. V. Hedges and I. Olkin, *Statistical Methods for Meta-Analysis* (1985).
///
/// NaN when either sample is empty or both hold one value; ±∞ when both samples are constant
/// with different means.
pub fn hedges_g(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() || n1 + n2 < 3.0 {
        return f64::NAN;
    }
    let pooled_var = (sum_sq_dev(a) + sum_sq_dev(b)) / (n1 + n2 - 2.0);
    let d = (mean(a) - mean(b)) / pooled_var.sqrt();
    let j = 1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0);
    j * d
}

/// Cliff's delta, `P(X > Y) − P(X < Y)` for `X` drawn from `a` and `Y` from `b`, counted over
/// all `|a|·|b|` pairs (ties count for neither side), in −1..=1.
///
/// N. Cliff, "Dominance statistics: ordinal analyses to answer ordinal questions",
/// *Psychological Bulletin* 114 (1993) 494–509. Computed in O((n + m) log m) by sorting `b` and
/// binary-searching each value of `a`. NaN when either sample is empty.
pub fn cliffs_delta(a: &[f64], b: &[f64]) -> f64 {
    let b = sorted(b);
    let mut dominance: i64 = 0;
    for &x in a {
        let below = b.partition_point(|&y| y < x);
        let above = b.len() - b.partition_point(|&y| y <= x);
        dominance += below as i64 - above as i64;
    }
    dominance as f64 / (a.len() as f64 * b.len() as f64)
}

/// The sum of squared deviations from the mean, `(n − 1)·s²`.
fn sum_sq_dev(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 6] = [10.2, 11.5, 9.8, 12.1, 10.9, 11.3];
    const B: [f64; 7] = [12.4, 13.0, 11.9, 12.8, 13.5, 12.2, 11.1];
    // Quantized timings, with ties inside and between the samples.
    const TX: [f64; 10] = [10.0, 10.5, 10.5, 11.0, 10.0, 10.5, 12.0, 10.5, 11.0, 10.0];
    const TY: [f64; 9] = [11.0, 11.5, 10.5, 11.0, 12.0, 11.5, 11.0, 12.5, 11.0];

    fn assert_close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "got {got}, want {want}"
        );
    }

    // Expected values: numpy 2.4.6 (scipy has no Hedges' g), `n1, n2 = len(x), len(y);
    // sp = np.sqrt(((n1-1)*np.var(x, ddof=1) + (n2-1)*np.var(y, ddof=1)) / (n1+n2-2));
    // (1 - 3/(4*(n1+n2) - 9)) * (np.mean(x) - np.mean(y)) / sp`.
    #[test]
    fn hedges_g_matches_the_formula() {
        assert_close(hedges_g(&A, &B), -1.648305826914461);
        assert_close(hedges_g(&B, &A), 1.648305826914461);
        assert_close(hedges_g(&TX, &TY), -1.1416712669807638);
    }

    #[test]
    fn hedges_g_degenerate_inputs() {
        assert!(hedges_g(&[], &B).is_nan());
        assert!(hedges_g(&[1.0], &[2.0]).is_nan());
        assert_eq!(hedges_g(&[2.0, 2.0], &[1.0, 1.0]), f64::INFINITY);
    }

    // Expected values: numpy 2.4.6 (scipy has no Cliff's delta),
    // `np.sign(np.subtract.outer(x, y)).mean()`.
    #[test]
    fn cliffs_delta_matches_pairwise_count() {
        assert_close(cliffs_delta(&A, &B), -0.8095238095238095);
        assert_close(cliffs_delta(&B, &A), 0.8095238095238095);
        assert_close(cliffs_delta(&TX, &TY), -0.6555555555555556);
    }

    #[test]
    fn cliffs_delta_extremes_and_empty() {
        assert_eq!(cliffs_delta(&[5.0, 6.0], &[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(cliffs_delta(&[1.0, 2.0], &[5.0, 6.0]), -1.0);
        assert_eq!(cliffs_delta(&[3.0, 3.0], &[3.0]), 0.0);
        assert!(cliffs_delta(&[], &[1.0]).is_nan());
    }
}
