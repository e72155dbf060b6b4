//! Checks of the numeric flags several commands share: tolerances and repetition counts.

use crate::error::{Error, Result};
use crate::eval::{Tolerance, DEFAULT_TOLERANCE};

/// The tolerance from --atol/--rtol, each defaulting to [`DEFAULT_TOLERANCE`] (SDPA's).
pub fn tolerance_of(atol: Option<f64>, rtol: Option<f64>) -> Result<Tolerance> {
    tolerance_or(DEFAULT_TOLERANCE, atol, rtol)
}

/// The tolerance from --atol/--rtol, each defaulting to `default`'s (the operation's own).
pub fn tolerance_or(default: Tolerance, atol: Option<f64>, rtol: Option<f64>) -> Result<Tolerance> {
    let check = |flag: &'static str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(Error::flag(
                flag,
                format!("must be a finite number ≥ 0, got {v}"),
            ))
        }
    };
    Ok(Tolerance {
        atol: check("--atol", atol.unwrap_or(default.atol))?,
        rtol: check("--rtol", rtol.unwrap_or(default.rtol))?,
    })
}

/// --reps must be at least `min` (`why` names where that minimum comes from).
pub fn check_reps(reps: u32, min: u32, why: &str) -> Result<()> {
    if reps < min {
        return Err(Error::flag(
            "--reps",
            format!("must be at least {min} ({why}), got {reps}"),
        ));
    }
    Ok(())
}

/// --reps against the timing protocol's minimum.
pub fn check_protocol_reps(reps: u32) -> Result<()> {
    check_reps(reps, crate::eval::MIN_REPS, "the timing protocol's minimum")
}

/// --timing-seconds must be a positive number of seconds.
pub fn check_timing_seconds(seconds: f64) -> Result<()> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Error::flag(
            "--timing-seconds",
            format!("must be a number of seconds > 0, got {seconds}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_defaults_and_rejects_negative_or_nan() {
        assert_eq!(tolerance_of(None, None).unwrap(), DEFAULT_TOLERANCE);
        assert_eq!(tolerance_of(Some(0.1), None).unwrap().atol, 0.1);
        let err = tolerance_of(Some(-1.0), None).unwrap_err().to_string();
        assert!(err.starts_with("--atol must be a finite number"), "{err}");
        assert!(tolerance_of(None, Some(f64::NAN)).is_err());
    }

    #[test]
    fn repetitions_below_the_minimum_name_the_flag_and_the_minimum() {
        let err = check_protocol_reps(99).unwrap_err().to_string();
        assert_eq!(
            err,
            "--reps must be at least 100 (the timing protocol's minimum), got 99"
        );
        assert!(check_protocol_reps(100).is_ok());
        assert!(check_reps(10, 10, "x").is_ok());
        assert!(check_reps(9, 10, "x").is_err());
        assert!(check_timing_seconds(0.1).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = check_timing_seconds(bad).unwrap_err().to_string();
            assert!(err.starts_with("--timing-seconds must be"), "{err}");
        }
    }
}
