//! Where one more measurement should land: the normal-theory prediction interval from a few
//! measurements, with the Student t quantiles it needs.

use super::summary::{mean, median, std_dev};
use serde::{Deserialize, Serialize};

/// Two-sided 95% quantiles of Student's t, `t_{0.975, df}` for df = 1..=30 (the usual table,
/// e.g. NIST/SEMATECH e-Handbook of Statistical Methods §1.3.6.7.2).
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The normal quantile that stands in for t beyond the table.
const Z_975: f64 = 1.96;

/// `t_{0.975, df}`: from the table for df 1..=30, the normal 1.96 beyond (which makes an
/// interval at most 4% too narrow, at df 31).
///
/// # Panics
/// If `df` is 0 (no spread can be estimated from one value).
pub fn t_975(df: usize) -> f64 {
    assert!(df > 0, "Student's t needs at least one degree of freedom");
    T_975.get(df - 1).copied().unwrap_or(Z_975)
}

/// A few measurements of one quantity (e.g. the medians of separate processes) and the 95%
/// prediction interval for one more.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// How many measurements.
    pub n: usize,
    /// Their median.
    pub median: f64,
    /// Their mean.
    pub mean: f64,
    /// Their sample standard deviation.
    pub sd: f64,
    /// Low end of the 95% prediction interval.
    pub lo: f64,
    /// High end of the 95% prediction interval.
    pub hi: f64,
    /// The least standard deviation the interval assumes (0: none): it is built on the larger
    /// of `sd` and this, so that a few values that agree by chance do not make it a point.
    #[serde(default)]
    pub sd_floor: f64,
}

impl Prediction {
    /// The 95% prediction interval for one new measurement from `xs`, assuming they are
    /// independent draws of one normal distribution: `mean ± t_{0.975, n−1} · sd · √(1 + 1/n)`
    /// (Hahn & Meeker, *Statistical Intervals: A Guide for Practitioners*, 1991). Unlike a confidence interval of
    /// the mean it does not shrink to a point as `n` grows: it keeps the spread of one draw.
    /// `None` for fewer than two values.
    pub fn of(xs: &[f64]) -> Option<Prediction> {
        Prediction::with_relative_sd_floor(xs, 0.0)
    }

    /// [`Prediction::of`] with the spread taken as at least `rel_floor` of the mean: for a
    /// quantity whose spread is known from elsewhere not to be smaller.
    pub fn with_relative_sd_floor(xs: &[f64], rel_floor: f64) -> Option<Prediction> {
        let n = xs.len();
        if n < 2 {
            return None;
        }
        let (m, sd) = (mean(xs), std_dev(xs));
        let sd_floor = rel_floor * m.abs();
        let half = t_975(n - 1) * sd.max(sd_floor) * (1.0 + 1.0 / n as f64).sqrt();
        Some(Prediction {
            n,
            median: median(xs),
            mean: m,
            sd,
            lo: m - half,
            hi: m + half,
            sd_floor,
        })
    }

    /// Whether the floor, not the values' own spread, set the interval's width.
    pub fn floored(&self) -> bool {
        self.sd < self.sd_floor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_table_holds_the_known_quantiles_and_falls_back_to_the_normal() {
        for (df, t) in [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (30, 2.042)] {
            assert_eq!(t_975(df), t, "df {df}");
        }
        assert_eq!(t_975(31), 1.96);
        assert_eq!(t_975(1000), 1.96);
        assert!(T_975.windows(2).all(|w| w[0] > w[1]), "t falls with df");
    }

    #[test]
    #[should_panic(expected = "degree of freedom")]
    fn no_degree_of_freedom_is_a_mistake() {
        t_975(0);
    }

    #[test]
    fn three_process_medians_give_the_textbook_interval() {
        let p = Prediction::of(&[10.31, 10.35, 10.29]).unwrap();
        assert_eq!((p.n, p.median), (3, 10.31));
        assert!((p.mean - 10.316_667).abs() < 1e-6, "{p:?}");
        // Deviations −0.006667, 0.033333, −0.026667: sd = √(0.0018667 / 2) = 0.030551.
        assert!((p.sd - 0.030_551).abs() < 1e-6, "{p:?}");
        // Half width 4.303 · 0.030551 · √(4/3) = 0.151796.
        assert!((p.hi - p.mean - 0.151_796).abs() < 1e-5, "{p:?}");
        assert!((p.mean - p.lo - 0.151_796).abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn the_interval_holds_every_value_it_came_from_and_widens_with_their_spread() {
        let tight = Prediction::of(&[10.0, 10.1, 10.2]).unwrap();
        let loose = Prediction::of(&[10.0, 10.5, 11.0]).unwrap();
        assert!(tight.lo < 10.0 && tight.hi > 10.2, "{tight:?}");
        assert!(loose.hi - loose.lo > 4.0 * (tight.hi - tight.lo));
        let same = Prediction::of(&[7.0, 7.0]).unwrap();
        assert_eq!((same.lo, same.hi, same.sd), (7.0, 7.0, 0.0));
    }

    #[test]
    fn a_floor_widens_only_intervals_of_values_that_agree_more_than_it() {
        // sd 0.017 µs against a 1% floor of 0.104 µs: the floor sets the width.
        let agreeing = Prediction::with_relative_sd_floor(&[10.46, 10.43, 10.43], 0.01).unwrap();
        assert!(agreeing.floored(), "{agreeing:?}");
        let half = 4.303 * 0.01 * agreeing.mean * (4.0f64 / 3.0).sqrt();
        assert!(
            (agreeing.hi - agreeing.mean - half).abs() < 1e-9,
            "{agreeing:?}"
        );
        assert!(
            agreeing.lo < 10.27,
            "covers a process 1.8% below: {agreeing:?}"
        );
        // Values spread wider than the floor keep their own interval.
        let spread = [10.27, 10.37, 10.66];
        let own = Prediction::of(&spread).unwrap();
        let floored = Prediction::with_relative_sd_floor(&spread, 0.01).unwrap();
        assert!(!floored.floored());
        assert_eq!((floored.lo, floored.hi), (own.lo, own.hi));
        assert_eq!(own.sd_floor, 0.0);
    }

    #[test]
    fn fewer_than_two_values_predict_nothing() {
        assert_eq!(Prediction::of(&[]), None);
        assert_eq!(Prediction::of(&[10.0]), None);
    }
}
