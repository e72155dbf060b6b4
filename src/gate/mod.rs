//! The CI gate: pass when the best candidate's speedup (lower 95% CI bound) over a baseline
//! meets a minimum, and/or when it has not regressed beyond a percentage against a stored
//! result (a previous run's `tune/topk.json` or a gate result written by `--save`).

mod stored;

pub use stored::{GateResult, SpeedupRecord, StoredBest};

use crate::report::{apart, Baselines, BelowFloor, RunData, Speedup, Times, Versus};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Whether it passed.
    pub passed: bool,
    /// What was measured against what, and by how much it missed when it did.
    pub line: String,
}

/// The best candidate's kernel-only times, or why there are none.
pub fn best_times(run: &RunData) -> Result<(String, Times<'_>), String> {
    let topk = run.topk.as_ref().map_err(Clone::clone)?;
    let best = topk.elites.first().ok_or("tune/topk.json has no elites")?;
    let times = Times::of_elite(best).ok_or("the best elite has no kernel-only time")?;
    Ok((best.label.clone(), times))
}

/// The best candidate's speedup over baseline `vs`, with the baseline's name.
pub fn speedup(run: &RunData, vs: Versus) -> Result<(String, Speedup), String> {
    let b = Baselines::of(run);
    let base = b.get(vs).map_err(|e| {
        format!(
            "{} is missing: {e} (this run has measured: {})",
            vs.name(),
            names_or_none(&b.measured_names())
        )
    })?;
    let base_times = Times::of_baseline(base).ok_or("the baseline has no kernel-only time")?;
    let (_, best) = best_times(run)?;
    let name = format!("{} ({})", vs.name(), base.baseline);
    Ok((name, Speedup::of(&base_times, &best)))
}

fn names_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Passes when the lower CI bound of the speedup over `vs` is at least `min` (the point
/// estimate when there are no samples, said so in the line).
pub fn speedup_check(run: &RunData, vs: Versus, min: f64) -> Result<Check, String> {
    let (name, s) = speedup(run, vs)?;
    let bound = if s.ci.is_some() {
        "lower 95% bound"
    } else {
        "point estimate (no samples)"
    };
    let lower = s.lower();
    let passed = lower >= min;
    let marks = [1.0, min];
    let shown = apart(lower, &marks);
    let line = if passed {
        format!(
            "speedup vs {name} {}: {bound} {shown}× ≥ {min}× required",
            s.display_near(&marks)
        )
    } else {
        format!(
            "speedup vs {name} {}: {bound} {shown}× < {min}× required, missed by {}×{}",
            s.display_near(&marks),
            apart(min - lower, &[0.0]),
            unreachable_note(run, vs, min).unwrap_or_default()
        )
    };
    Ok(Check { passed, line })
}

/// When `min`× over baseline `vs` needs less time than the run's measured floor, says so: no
/// kernel can pass such a gate under the timing protocol.
fn unreachable_note(run: &RunData, vs: Versus, min: f64) -> Option<String> {
    BelowFloor::of(run, vs, min)
        .map(|b| format!("; {}: no kernel can pass this gate", b.describe()))
}

/// Passes when the best candidate's kernel-only median is at most `max_pct` % slower than
/// the stored best's (ratio of medians, point estimate: `max_pct` is the noise allowance).
pub fn regression_check(run: &RunData, stored: &StoredBest, max_pct: f64) -> Result<Check, String> {
    let (_, now) = best_times(run)?;
    let then = stored.times();
    let s = Speedup::of(&then, &now);
    let slower_pct = (1.0 / s.point - 1.0) * 100.0;
    let passed = slower_pct <= max_pct;
    let what = format!(
        "best {:.2} µs vs stored {:.2} µs ({}): {:+.1} %",
        now.p50_us, then.p50_us, stored.origin, slower_pct
    );
    let line = if passed {
        format!("{what}, within --max-regression {max_pct} %")
    } else {
        format!(
            "{what}, over --max-regression {max_pct} % by {:.1} points",
            slower_pct - max_pct
        )
    };
    Ok(Check { passed, line })
}

#[cfg(test)]
mod tests;
