//! The CI gate: pass when the best candidate's speedup (lower 95% CI bound) over a baseline
//! meets a minimum, under the cold or the warm timing protocol, and/or when it has not regressed
//! beyond a percentage against a stored result (a previous run's `tune/topk.json` or a saved
//! gate result).

mod no_times;
mod stored;

pub use no_times::{Gap, NoTimes, Side};
pub use stored::{GateResult, NotStored, SpeedupRecord, StoredBest};

use crate::artifacts::Elite;
use crate::eval::TimingProtocol;
use crate::op::Comparison;
use crate::report::{apart, Baselines, BelowFloor, RunData, Speedup, Times};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Whether it passed.
    pub passed: bool,
    /// What was measured against what, and by how much it missed when it did.
    pub line: String,
}

/// Why a check cannot judge a run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unjudged {
    /// Something the check needs is missing from the run: a baseline, a timed elite.
    #[error("{0}")]
    Missing(String),
    /// One side has no kernel-only time under the protocol asked for, and why.
    #[error("{0}")]
    NoTimes(NoTimes),
}

impl From<String> for Unjudged {
    fn from(why: String) -> Self {
        Unjudged::Missing(why)
    }
}

/// The best candidate's kernel-only times (cold), or why there are none.
pub fn best_times(run: &RunData) -> Result<(String, Times<'_>), String> {
    let best = best_elite(run)?;
    let times = Times::of_elite(best).ok_or("the best elite has no kernel-only time")?;
    Ok((best.label.clone(), times))
}

fn best_elite(run: &RunData) -> Result<&Elite, String> {
    let topk = run.topk.as_ref().map_err(Clone::clone)?;
    Ok(topk.elites.first().ok_or("tune/topk.json has no elites")?)
}

/// The best candidate's speedup over baseline `vs` under `protocol`, with the baseline's name.
pub fn speedup(
    run: &RunData,
    vs: &Comparison,
    protocol: TimingProtocol,
) -> Result<(String, Speedup), Unjudged> {
    let b = Baselines::in_protocol(run, protocol);
    let base = b.get(vs).map_err(|e| {
        format!(
            "{} is missing: {e} (this run has measured: {})",
            vs.label,
            names_or_none(&b.measured_names())
        )
    })?;
    let name = format!("{} ({})", vs.label, base.baseline);
    let base_times = Times::of_baseline_in(base, protocol)
        .ok_or_else(|| Unjudged::NoTimes(NoTimes::of_baseline(name.clone(), base, protocol)))?;
    let best = best_elite(run)?;
    let best_times = Times::of_elite_in(best, protocol).ok_or_else(|| match protocol {
        TimingProtocol::Cold => Unjudged::Missing("the best elite has no kernel-only time".into()),
        TimingProtocol::Warm => Unjudged::NoTimes(NoTimes::of_best(best)),
    })?;
    Ok((name, Speedup::of(&base_times, &best_times)))
}

fn names_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Passes when the lower CI bound of the speedup over `vs` under `protocol` is at least `min`
/// (the point estimate when there are no samples, said so in the line).
pub fn speedup_check(
    run: &RunData,
    vs: &Comparison,
    min: f64,
    protocol: TimingProtocol,
) -> Result<Check, Unjudged> {
    let (name, s) = speedup(run, vs, protocol)?;
    let bound = if s.ci.is_some() {
        "lower 95% bound"
    } else {
        "point estimate (no samples)"
    };
    let lower = s.lower();
    let passed = lower >= min;
    let marks = [1.0, min];
    let shown = apart(lower, &marks);
    let head = format!(
        "{} speedup vs {name} {}",
        protocol.name(),
        s.display_near(&marks)
    );
    let line = if passed {
        format!("{head}: {bound} {shown}× ≥ {min}× required")
    } else {
        format!(
            "{head}: {bound} {shown}× < {min}× required, missed by {}×{}",
            apart(min - lower, &[0.0]),
            unreachable_note(run, vs, min, protocol).unwrap_or_default()
        )
    };
    let fresh = fresh_processes_note(run, &s, protocol, &marks).unwrap_or_default();
    Ok(Check {
        passed,
        line: line + &fresh,
    })
}

/// Under the cold protocol, when the best elite's fresh processes (its confirmation) were
/// slower than the search's interval says, the speedup on their median: the search's samples
/// come from one long-lived process, and a card that does not hold its clock shows it here.
fn fresh_processes_note(
    run: &RunData,
    s: &Speedup,
    protocol: TimingProtocol,
    marks: &[f64],
) -> Option<String> {
    if protocol != TimingProtocol::Cold {
        return None;
    }
    let best = best_elite(run).ok()?;
    let searched = Times::of_elite(best)?.p50_us;
    let p = best.confirmed.as_ref()?.prediction.as_ref()?;
    let fresh = s.point * searched / p.median;
    (fresh < s.lower()).then(|| {
        format!(
            " (its median in {} fresh processes, {:.2} µs against the search's {searched:.2}, \
             gives {}×)",
            p.n,
            p.median,
            apart(fresh, marks)
        )
    })
}

/// When `min`× over baseline `vs` needs less time than the run's measured floor, says so: no
/// kernel can pass such a gate under the timing protocol.
fn unreachable_note(
    run: &RunData,
    vs: &Comparison,
    min: f64,
    protocol: TimingProtocol,
) -> Option<String> {
    BelowFloor::of(run, vs, min, protocol)
        .map(|b| format!("; {}: no kernel can pass this gate", b.describe()))
}

/// The best candidate's kernel-only median against a stored best's, and the slowdown allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// The best candidate's median, µs.
    pub now_us: f64,
    /// The stored best's median, µs.
    pub then_us: f64,
    /// How much slower the best candidate is, % (negative when faster).
    pub slower_pct: f64,
    /// The slowdown allowed, %.
    pub max_pct: f64,
}

impl Regression {
    /// Whether the slowdown is within the allowance.
    pub fn passed(&self) -> bool {
        self.slower_pct <= self.max_pct
    }
}

/// The best candidate's kernel-only median against the stored best's, allowed to be at most
/// `max_pct` % slower (ratio of medians, point estimate: `max_pct` is the noise allowance).
pub fn regression_check(
    run: &RunData,
    stored: &StoredBest,
    max_pct: f64,
) -> Result<Regression, String> {
    let (_, now) = best_times(run)?;
    let then = stored.times();
    let s = Speedup::of(&then, &now);
    Ok(Regression {
        now_us: now.p50_us,
        then_us: then.p50_us,
        slower_pct: (1.0 / s.point - 1.0) * 100.0,
        max_pct,
    })
}

#[cfg(test)]
mod tests;
