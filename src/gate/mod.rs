//! The CI gate: pass when the best candidate's speedup (lower 95% CI bound) over a baseline
//! meets a minimum, under the cold or the warm timing protocol, and/or when it has not regressed
//! beyond a percentage against a stored result (a previous run's `tune/topk.json` or a gate
//! result written by `--save`).

mod stored;

pub use stored::{GateResult, SpeedupRecord, StoredBest};

use crate::artifacts::Elite;
use crate::baseline::BaselineRecord;
use crate::eval::TimingProtocol;
use crate::report::{apart, Baselines, BelowFloor, RunData, Speedup, Times, Versus};

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
    /// One side has no kernel-only time under the protocol asked for; the message says why and
    /// how to get one.
    #[error("{0}")]
    NoTimes(String),
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
    vs: Versus,
    protocol: TimingProtocol,
) -> Result<(String, Speedup), Unjudged> {
    let b = Baselines::in_protocol(run, protocol);
    let base = b.get(vs).map_err(|e| {
        format!(
            "{} is missing: {e} (this run has measured: {})",
            vs.name(),
            names_or_none(&b.measured_names())
        )
    })?;
    let name = format!("{} ({})", vs.name(), base.baseline);
    let base_times = Times::of_baseline_in(base, protocol)
        .ok_or_else(|| Unjudged::NoTimes(no_baseline_times(run, &name, base, protocol)))?;
    let best = best_elite(run)?;
    let best_times = Times::of_elite_in(best, protocol).ok_or_else(|| match protocol {
        TimingProtocol::Cold => Unjudged::Missing("the best elite has no kernel-only time".into()),
        TimingProtocol::Warm => Unjudged::NoTimes(no_warm_elite_times(run, best)),
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

/// The run's problem as `--shape` takes it.
fn shape_text(run: &RunData) -> String {
    run.topk
        .as_ref()
        .map_or("B,H,S,D".to_string(), |t| t.shape.to_string())
}

/// The problem and the run folder as `evotune baseline` takes them.
fn baseline_command(run: &RunData) -> String {
    format!(
        "`evotune baseline --shape {} --out {}`",
        shape_text(run),
        run.paths.root.display()
    )
}

/// Why baseline `name` has no time under `protocol`, and how to get one.
fn no_baseline_times(
    run: &RunData,
    name: &str,
    base: &BaselineRecord,
    protocol: TimingProtocol,
) -> String {
    let failed = base
        .reason
        .as_deref()
        .filter(|r| r.contains("warm kernel-only not measured"));
    let why = match (protocol, failed) {
        (TimingProtocol::Warm, Some(reason)) => reason,
        (TimingProtocol::Warm, None) => {
            "its record was written before baselines were timed both ways"
        }
        (TimingProtocol::Cold, _) => "it was timed warm only (--flush none)",
    };
    format!(
        "{p} needs {p} kernel-only times on both sides, and {name} has none: {why}. Time the \
         baselines again into the run folder, cold then warm: {}",
        baseline_command(run),
        p = protocol.name(),
    )
}

/// Why the best elite has no warm time, and how to get one.
fn no_warm_elite_times(run: &RunData, best: &Elite) -> String {
    let why = match &best.confirmed {
        None => "it was not confirmed (warm times come from the confirmation that ends a live \
                 tune: --confirm-top 1 or more; a replayed run has none)"
            .to_string(),
        Some(c) => match &c.failure {
            Some(f) => format!("its confirmation failed: {f}"),
            None => "its confirmation was made before confirmations timed both ways".into(),
        },
    };
    format!(
        "warm needs warm kernel-only times on both sides, and the best candidate #{} `{}` has \
         none: {why}. Tune the problem again on a GPU to record them (`evotune --shape {} ...`)",
        best.rank,
        best.label,
        shape_text(run)
    )
}

/// Passes when the lower CI bound of the speedup over `vs` under `protocol` is at least `min`
/// (the point estimate when there are no samples, said so in the line).
pub fn speedup_check(
    run: &RunData,
    vs: Versus,
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
    Ok(Check { passed, line })
}

/// When `min`× over baseline `vs` needs less time than the run's measured floor, says so: no
/// kernel can pass such a gate under the timing protocol.
fn unreachable_note(
    run: &RunData,
    vs: Versus,
    min: f64,
    protocol: TimingProtocol,
) -> Option<String> {
    BelowFloor::of(run, vs, min, protocol)
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
