//! Outliers by the modified z-score, a robust score built on the median absolute deviation.
//!
//! Method: B. Iglewicz and D. C. Hoaglin, *How to Detect and Handle Outliers*, ASQC Basic
//! References in Quality Control vol. 16, 1993: `M = 0.6745·(x − median)/MAD`, and a value is an
//! outlier when `|M| > 3.5`.

use super::summary::{mean, median};

/// The cut-off Iglewicz & Hoaglin recommend: a value is an outlier when `|M| > 3.5`.
pub const MODIFIED_Z_THRESHOLD: f64 = 3.5;

/// `Φ⁻¹(0.75)`, rounded as Iglewicz & Hoaglin print it: for normal data `MAD / 0.6745` estimates
/// the standard deviation.
const MAD_SCALE: f64 = 0.6745;

/// `√(π/2)`, rounded as IBM documents it: for normal data `1.253314 · MeanAD` estimates the
/// standard deviation.
const MEAN_AD_SCALE: f64 = 1.253314;

/// The modified z-score of each value of `xs`, in order (empty for an empty `xs`).
///
/// `M = 0.6745·(x − median)/MAD` with `MAD = median(|x − median|)` (Iglewicz & Hoaglin 1993).
/// When more than half the values equal the median, MAD is 0; then the score falls back to the
/// mean absolute deviation around the median, `M = (x − median)/(1.253314·MeanAD)`, as IBM
/// documents for the modified z-score (Cognos Analytics 11.1, "Modified z score"). When every
/// value is equal, every score is 0.
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    let med = median(xs);
    let deviations: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    let sigma = robust_sigma(&deviations);
    xs.iter()
        .map(|x| if sigma > 0.0 { (x - med) / sigma } else { 0.0 })
        .collect()
}

/// The indices (ascending) of the values of `xs` whose modified z-score exceeds `threshold` in
/// absolute value; use [`MODIFIED_Z_THRESHOLD`] for Iglewicz & Hoaglin's rule.
pub fn outlier_indices(xs: &[f64], threshold: f64) -> Vec<usize> {
    modified_z_scores(xs)
        .iter()
        .enumerate()
        .filter(|(_, m)| m.abs() > threshold)
        .map(|(i, _)| i)
        .collect()
}

/// An estimate of the standard deviation from the absolute deviations around the median:
/// `MAD/0.6745`, or `1.253314·MeanAD` when MAD is 0 (0 when every deviation is 0).
fn robust_sigma(deviations: &[f64]) -> f64 {
    let mad = median(deviations);
    if mad > 0.0 {
        mad / MAD_SCALE
    } else {
        MEAN_AD_SCALE * mean(deviations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMINGS: [f64; 10] = [10.1, 10.3, 9.9, 10.0, 10.2, 10.1, 25.0, 9.8, 10.4, 3.0];

    fn assert_all_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "got {g}, want {w}"
            );
        }
    }

    // Expected values: numpy 2.4.6, `med = np.median(x); mad = np.median(np.abs(x - med));
    // 0.6745 * (x - med) / mad` (scipy has no modified z-score).
    #[test]
    fn scores_match_the_formula() {
        let want = [
            0.0,
            0.674500000000003,
            -0.674499999999997,
            -0.3372499999999985,
            0.3372499999999985,
            0.0,
            50.25024999999996,
            -1.0117499999999955,
            1.0117500000000015,
            -23.944749999999978,
        ];
        assert_all_close(&modified_z_scores(&TIMINGS), &want);
    }

    #[test]
    fn flags_the_slow_and_the_fast_outlier() {
        assert_eq!(outlier_indices(&TIMINGS, MODIFIED_Z_THRESHOLD), vec![6, 9]);
    }

    // Expected values: numpy 2.4.6, `(x - med) / (1.253314 * np.mean(np.abs(x - med)))`.
    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        let spike = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 7.0, 5.0];
        let scores = modified_z_scores(&spike);
        assert_all_close(&scores[6..7], &[6.383077185765099]);
        assert_eq!(outlier_indices(&spike, MODIFIED_Z_THRESHOLD), vec![6]);

        let jitter = [5.0, 5.0, 5.0, 6.0, 5.0, 5.0, 4.0];
        let scores = modified_z_scores(&jitter);
        assert_all_close(&scores[3..4], &[2.792596268772231]);
        assert!(outlier_indices(&jitter, MODIFIED_Z_THRESHOLD).is_empty());
    }

    #[test]
    fn constant_and_empty_samples_have_no_outliers() {
        assert_eq!(modified_z_scores(&[3.0; 5]), vec![0.0; 5]);
        assert!(outlier_indices(&[3.0; 5], MODIFIED_Z_THRESHOLD).is_empty());
        assert!(modified_z_scores(&[]).is_empty());
    }
}
