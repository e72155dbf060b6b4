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
