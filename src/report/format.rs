//! Number formatting for the report: fixed decimals, a dash for what was not measured.

/// What the report prints for a missing number.
pub const DASH: &str = "—";

/// `v` with `decimals` decimals, or a dash.
pub fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or(DASH.into(), |x| format!("{x:.decimals$}"))
}

/// `v` in scientific notation with three significant digits (errors), or a dash.
pub fn sci(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or(DASH.into(), |x| format!("{x:.2e}"))
}

/// `v` as a percentage with one decimal, or a dash.
pub fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or(DASH.into(), |x| format!("{x:.1} %"))
}

/// Decimals that keep `v` visibly on its side of every mark: two, or one more for each tenfold
/// it comes closer than 0.01 to a mark (0.998 against 1 needs three), at most six.
pub fn decimals_apart(v: f64, marks: &[f64]) -> usize {
    marks
        .iter()
        .map(|m| (v - m).abs())
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| (-d.log10()).ceil().clamp(2.0, 6.0) as usize)
        .max()
        .unwrap_or(2)
}

/// `v` with the decimals [`decimals_apart`] gives it against `marks`: "0.998", "2.58".
pub fn apart(v: f64, marks: &[f64]) -> String {
    let decimals = decimals_apart(v, marks);
    format!("{v:.decimals$}")
}

/// `v` with two decimals, or as many more (at most six) as it takes to show it exactly: a
/// target of 1.004 reads "1.004", not "1.00"; 15 reads "15.00".
pub fn exact(v: f64) -> String {
    let decimals = (2..=6)
        .find(|&d| {
            let scale = 10f64.powi(d as i32);
            ((v * scale).round() / scale - v).abs() <= 1e-9 * v.abs().max(1.0)
        })
        .unwrap_or(6);
    format!("{v:.decimals$}")
}

/// A command line for a POSIX shell: arguments with special characters single-quoted.
pub fn shell_join(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a ratio of 0.998 printed as "1.00", hiding that it is below 1.
    #[test]
    fn numbers_near_a_mark_get_the_decimals_that_show_their_side() {
        assert_eq!(apart(2.5812, &[1.0]), "2.58");
        assert_eq!(apart(0.998, &[1.0]), "0.998");
        assert_eq!(apart(1.0004, &[1.0]), "1.0004");
        assert_eq!(apart(1.0, &[1.0]), "1.00");
        assert_eq!(apart(1.197, &[1.0, 1.2]), "1.197");
        assert_eq!(apart(1.0 - 1e-12, &[1.0]), "1.000000");
        assert_eq!(decimals_apart(f64::NAN, &[1.0]), 2);
    }

    /// Regression: a target of 1.004 read "at least 1.00× faster", and 0.9735 "0.97×" beside
    /// a lower bound of 0.9732 judged NOT MET.
    #[test]
    fn a_target_is_shown_as_given() {
        assert_eq!(exact(1.004), "1.004");
        assert_eq!(exact(0.9735), "0.9735");
        assert_eq!(exact(15.0), "15.00");
        assert_eq!(exact(1.5), "1.50");
        assert_eq!(exact(1.0 / 3.0), "0.333333");
    }

    #[test]
    fn missing_numbers_are_dashes_and_quoting_is_minimal() {
        assert_eq!(fixed(Some(13.123), 2), "13.12");
        assert_eq!(fixed(None, 2), DASH);
        assert_eq!(fixed(Some(f64::NAN), 2), DASH);
        assert_eq!(sci(Some(0.009818)), "9.82e-3");
        assert_eq!(pct(Some(41.27)), "41.3 %");
        let args = ["evotune", "--config", "A=1,B=x y", "it's"].map(String::from);
        assert_eq!(shell_join(&args), "evotune --config 'A=1,B=x y' 'it'\\''s'");
    }
}
