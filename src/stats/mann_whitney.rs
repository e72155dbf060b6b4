//! The two-sided Mann–Whitney U test (Wilcoxon rank-sum test) of two independent samples.
//!
//! H. B. Mann and D. R. Whitney, "On a test of whether one of two random variables is
//! stochastically larger than the other", *Annals of Mathematical Statistics* 18 (1947) 50–60.
//! The results match `scipy.stats.mannwhitneyu(x, y, alternative='two-sided')`.

use super::normal::normal_cdf;
use serde::Serialize;

/// How a [`MannWhitney`] p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PValueMethod {
    /// From the exact null distribution of U (no ties, one sample of at most 8 values).
    Exact,
    /// From the normal approximation with tie and continuity corrections.
    Asymptotic,
}

/// The result of a two-sided Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// U of the first sample: the number of pairs `(x, y)` with `x > y`, ties counting ½
    /// (scipy's `statistic`). The second sample's U is `n₁·n₂ − u`.
    pub u: f64,
    /// The two-sided p-value, in 0..=1.
    pub p_value: f64,
    /// How `p_value` was computed.
    pub method: PValueMethod,
}

/// The largest sample size of the smaller group for which [`mann_whitney_u`] uses the exact
/// distribution (scipy's `method='auto'` rule).
pub const EXACT_MAX_SMALLER_N: usize = 8;

/// The two-sided Mann–Whitney U test of `x` against `y`; `None` when either is empty.
///
/// The p-value is exact (as scipy's `method='exact'`) when there are no ties and the smaller
/// sample has at most [`EXACT_MAX_SMALLER_N`] values, the rule of scipy's `method='auto'`, and
/// asymptotic otherwise (see [`mann_whitney_u_asymptotic`]). The exact path counts in 128-bit
/// integers and also falls back to the asymptotic one if `C(n₁+n₂, min(n₁, n₂))` would overflow
/// them (only for a larger sample of over 10⁵ values).
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let ranks = RankSums::of(x, y)?;
    let exact = (!ranks.has_ties() && x.len().min(y.len()) <= EXACT_MAX_SMALLER_N)
        .then(|| exact_p(ranks.u_max(), x.len(), y.len()))
        .flatten();
    Some(match exact {
        Some(p_value) => ranks.result(p_value, PValueMethod::Exact),
        None => ranks.result(ranks.asymptotic_p(), PValueMethod::Asymptotic),
    })
}

/// The two-sided Mann–Whitney U test of `x` against `y` with the p-value always from the normal
/// approximation, as scipy's `method='asymptotic', use_continuity=True`; `None` when either is
/// empty.
///
/// Values are ranked together with mid-ranks for ties; with `U = max(U₁, U₂)`,
/// `z = (U − n₁n₂/2 − ½)/σ` where `σ² = n₁n₂/12·((n+1) − Σ(t³ − t)/(n(n−1)))` sums over groups
/// of `t` tied values (the tie correction), and `p = 2·(1 − Φ(z))`, capped at 1.
pub fn mann_whitney_u_asymptotic(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let ranks = RankSums::of(x, y)?;
    Some(ranks.result(ranks.asymptotic_p(), PValueMethod::Asymptotic))
}

/// What the test needs from the joint ranking of the two samples.
struct RankSums {
    n1: f64,
    n2: f64,
    /// U of the first sample.
    u1: f64,
    /// `Σ(t³ − t)` over groups of `t` tied values.
    tie_term: f64,
}

impl RankSums {
    /// Ranks `x` and `y` together (mid-ranks for ties); `None` when either is empty.
    fn of(x: &[f64], y: &[f64]) -> Option<RankSums> {
        if x.is_empty() || y.is_empty() {
            return None;
        }
        let mut all: Vec<(f64, bool)> = x.iter().map(|&v| (v, true)).collect();
        all.extend(y.iter().map(|&v| (v, false)));
        all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let (r1, tie_term) = rank_sum_first(&all);
        let n1 = x.len() as f64;
        Some(RankSums {
            n1,
            n2: y.len() as f64,
            u1: r1 - n1 * (n1 + 1.0) / 2.0,
            tie_term,
        })
    }

    fn has_ties(&self) -> bool {
        self.tie_term > 0.0
    }

    /// The larger of the two samples' U, whose upper tail gives the two-sided p-value.
    fn u_max(&self) -> f64 {
        self.u1.max(self.n1 * self.n2 - self.u1)
    }

    /// The normal approximation's p-value (see [`mann_whitney_u_asymptotic`]).
    fn asymptotic_p(&self) -> f64 {
        let n = self.n1 + self.n2;
        let var = self.n1 * self.n2 / 12.0 * ((n + 1.0) - self.tie_term / (n * (n - 1.0)));
        if var <= 0.0 {
            return 1.0; // every value tied: no evidence either way
        }
        let z = (self.u_max() - self.n1 * self.n2 / 2.0 - 0.5) / var.sqrt();
        (2.0 * normal_cdf(-z)).min(1.0)
    }

    fn result(&self, p_value: f64, method: PValueMethod) -> MannWhitney {
        MannWhitney {
            u: self.u1,
            p_value,
            method,
        }
    }
}

/// The rank sum of the values flagged `true` in `sorted` (sorted by value) and the tie term
/// `Σ(t³ − t)`; each run of `t` equal values shares the mid-rank of its positions.
fn rank_sum_first(sorted: &[(f64, bool)]) -> (f64, f64) {
    let (mut r1, mut tie_term, mut start) = (0.0, 0.0, 0);
    while start < sorted.len() {
        let run = sorted[start..]
            .iter()
            .take_while(|v| v.0 == sorted[start].0)
            .count();
        let mid_rank = start as f64 + (run as f64 + 1.0) / 2.0;
        let firsts = sorted[start..start + run].iter().filter(|v| v.1).count();
        r1 += mid_rank * firsts as f64;
        let t = run as f64;
        tie_term += t * t * t - t;
        start += run;
    }
    (r1, tie_term)
}

/// The exact two-sided p-value `min(1, 2·P(U ≥ u_max))` under the null hypothesis without ties,
/// or `None` if the number of orderings overflows 128-bit integers.
///
/// By symmetry `P(U ≥ u) = P(U ≤ n₁n₂ − u)`, the lower tail is summed.
fn exact_p(u_max: f64, n1: usize, n2: usize) -> Option<f64> {
    let (m, n) = (n1.min(n2), n1.max(n2));
    let total = binomial(m + n, m)?;
    let k = (n1 * n2).saturating_sub(u_max.round() as usize);
    let tail: i128 = u_counts(m, n, k).iter().sum();
    Some((2.0 * tail as f64 / total as f64).min(1.0))
}

/// The number of orderings of `m` values of one sample among `n` of the other that give
/// `U = 0, 1, …, max_u`. U counts pairs out of order, so these are the numbers of partitions of
/// `u` into at most `m` parts of at most `n`: the coefficients of the Gaussian binomial
/// coefficient `[m+n choose m]_q = Π_{i=1..m} (1 − q^{n+i})/(1 − q^i)` (G. E. Andrews,
/// *The Theory of Partitions* (1976), ch. 3), built one factor at a time. Each step leaves the
/// coefficients of `[n+i choose i]_q`, so no intermediate value exceeds `C(m+n, m)`.
fn u_counts(m: usize, n: usize, max_u: usize) -> Vec<i128> {
    let mut c = vec![0i128; max_u + 1];
    c[0] = 1;
    for i in 1..=m {
        for k in (n + i..=max_u).rev() {
            c[k] -= c[k - n - i];
        }
        for k in i..=max_u {
            c[k] += c[k - i];
        }
    }
    c
}

/// `C(n, k)` in 128-bit integers, or `None` on overflow.
fn binomial(n: usize, k: usize) -> Option<i128> {
    (1..=k).try_fold(1i128, |acc, i| {
        Some(acc.checked_mul((n - k + i) as i128)? / i as i128)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 6] = [10.2, 11.5, 9.8, 12.1, 10.9, 11.3];
    const B: [f64; 7] = [12.4, 13.0, 11.9, 12.8, 13.5, 12.2, 11.1];
    // Quantized timings, with ties inside and between the samples.
    const TX: [f64; 10] = [10.0, 10.5, 10.5, 11.0, 10.0, 10.5, 12.0, 10.5, 11.0, 10.0];
    const TY: [f64; 9] = [11.0, 11.5, 10.5, 11.0, 12.0, 11.5, 11.0, 12.5, 11.0];

    /// Asymptotic p-values: Cody's erfc is accurate to a few ulps, so the p-values agree with scipy
    /// to rounding; exact p-values are ratios of exact integer counts.
    const REL: f64 = 1e-12;

    fn check(r: Option<MannWhitney>, u: f64, p: f64, method: PValueMethod) {
        let r = r.expect("non-empty samples");
        assert_eq!(r.u, u);
        assert_eq!(r.method, method);
        let rel = ((r.p_value - p) / p).abs();
        assert!(rel <= REL, "p = {}, want {p} (rel {rel:e})", r.p_value);
    }

    // Expected: scipy 1.17.1, `mannwhitneyu(x, y, alternative='two-sided')` (method 'auto',
    // which picks 'exact' here) and with `method='asymptotic'`.
    #[test]
    fn small_samples_without_ties() {
        check(
            mann_whitney_u(&A, &B),
            4.0,
            0.013986013986013986,
            PValueMethod::Exact,
        );
        check(
            mann_whitney_u(&B, &A),
            38.0,
            0.013986013986013986,
            PValueMethod::Exact,
        );
        check(
            mann_whitney_u_asymptotic(&A, &B),
            4.0,
            0.01841616057630396,
            PValueMethod::Asymptotic,
        );
    }

    // Expected: scipy 1.17.1, `mannwhitneyu(x, y, alternative='two-sided')`; 'auto' picks
    // 'asymptotic' because of the ties.
    #[test]
    fn ties_use_mid_ranks_and_the_tie_correction() {
        let want = 0.014939123753403486;
        check(
            mann_whitney_u(&TX, &TY),
            15.5,
            want,
            PValueMethod::Asymptotic,
        );
        check(
            mann_whitney_u_asymptotic(&TX, &TY),
            15.5,
            want,
            PValueMethod::Asymptotic,
        );
    }

    // Expected: scipy 1.17.1, `mannwhitneyu(x, y, alternative='two-sided')` with
    // x = [100.5, 250.5, 399.5], y = [float(i) for i in range(400)] ('auto' → 'exact'), and
    // x = [3.1, 4.7, 2.2, 5.9, 3.8], y as below ('auto' → 'exact'; `method='asymptotic'`).
    #[test]
    fn exact_when_one_sample_is_small() {
        let y400: Vec<f64> = (0..400).map(f64::from).collect();
        let x3 = [100.5, 250.5, 399.5];
        check(
            mann_whitney_u(&x3, &y400),
            752.0,
            0.4703806573710534,
            PValueMethod::Exact,
        );

        let sx = [3.1, 4.7, 2.2, 5.9, 3.8];
        let sy = [
            4.05, 4.15, 4.25, 4.35, 4.45, 4.55, 4.65, 4.75, 4.85, 4.95, 5.05, 5.15, 5.25, 5.35,
            5.45, 5.55, 5.65, 5.75, 5.85, 5.95,
        ];
        check(
            mann_whitney_u(&sx, &sy),
            26.0,
            0.11236589497459061,
            PValueMethod::Exact,
        );
        let asym = 0.11037483702198614;
        check(
            mann_whitney_u_asymptotic(&sx, &sy),
            26.0,
            asym,
            PValueMethod::Asymptotic,
        );
    }

    // Expected: scipy 1.17.1, `mannwhitneyu(x, y, alternative='two-sided')` with
    // x = [float(2*i) for i in range(n1)], y = [float(2*i + 5) for i in range(9)]:
    // 8 vs 9 → 'exact' 0.046400658165364046; 9 vs 9 → 'asymptotic' 0.0933976745287926.
    #[test]
    fn auto_rule_switches_above_eight() {
        let y9: Vec<f64> = (0..9).map(|i| f64::from(2 * i + 5)).collect();
        let x8: Vec<f64> = (0..8).map(|i| f64::from(2 * i)).collect();
        let x9: Vec<f64> = (0..9).map(|i| f64::from(2 * i)).collect();
        check(
            mann_whitney_u(&x8, &y9),
            15.0,
            0.046400658165364046,
            PValueMethod::Exact,
        );
        let asym = 0.0933976745287926;
        check(
            mann_whitney_u(&x9, &y9),
            21.0,
            asym,
            PValueMethod::Asymptotic,
        );
    }

    // Expected: scipy 1.17.1, `mannwhitneyu(x, y, alternative='two-sided')` with
    // x = [float((i*37) % 101) for i in range(300)], y = [float((i*53) % 97 + s) for i in
    // range(250)]: s = 3 → U 37042.0, p 0.8052600435329966; s = 12 → U 30590.5,
    // p 0.00019669171603912592. And x = [float(3*i + 1) for i in range(30)],
    // y = [float(3*i + 11) for i in range(25)] (no ties) → U 350.0, p 0.6787821365043434.
    #[test]
    fn large_samples_use_the_normal_approximation() {
        let x: Vec<f64> = (0..300).map(|i| f64::from((i * 37) % 101)).collect();
        let y = |s: i32| -> Vec<f64> { (0..250).map(|i| f64::from((i * 53) % 97 + s)).collect() };
        let asym = PValueMethod::Asymptotic;
        check(mann_whitney_u(&x, &y(3)), 37042.0, 0.8052600435329966, asym);
        check(
            mann_whitney_u(&x, &y(12)),
            30590.5,
            0.00019669171603912592,
            asym,
        );

        let nx: Vec<f64> = (0..30).map(|i| f64::from(3 * i + 1)).collect();
        let ny: Vec<f64> = (0..25).map(|i| f64::from(3 * i + 11)).collect();
        check(mann_whitney_u(&nx, &ny), 350.0, 0.6787821365043434, asym);
    }

    // Expected: scipy 1.17.1, `mannwhitneyu([2.0]*4, [2.0]*5)` → (10.0, 1.0) and
    // `mannwhitneyu([1.0], [2.0])` → (0.0, 1.0), both 'auto' and 'asymptotic'.
    #[test]
    fn degenerate_samples() {
        check(
            mann_whitney_u(&[2.0; 4], &[2.0; 5]),
            10.0,
            1.0,
            PValueMethod::Asymptotic,
        );
        check(
            mann_whitney_u(&[1.0], &[2.0]),
            0.0,
            1.0,
            PValueMethod::Exact,
        );
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        assert!(mann_whitney_u_asymptotic(&[1.0], &[]).is_none());
    }

    #[test]
    fn u_distribution_counts_every_ordering() {
        // [5 choose 2]_q = 1 + q + 2q² + 2q³ + 2q⁴ + q⁵ + q⁶.
        assert_eq!(u_counts(2, 3, 6), vec![1, 1, 2, 2, 2, 1, 1]);
        let all = u_counts(4, 9, 36);
        assert_eq!(all.iter().sum::<i128>(), binomial(13, 4).unwrap());
        assert_eq!(binomial(13, 4), Some(715));
        assert_eq!(binomial(300, 150), None);
    }
}
