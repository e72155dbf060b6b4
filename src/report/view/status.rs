//! Status and next actions: is the target met, and if not, what limits the best candidate.

use super::ncu::best_profile;
use super::ReportOptions;
use crate::eval::TimingProtocol;
use crate::report::compare::{Baselines, BelowFloor, Speedup, Times};
use crate::report::diagnose::diagnose;
use crate::report::format::{apart, exact};
use crate::report::load::RunData;
use serde::Serialize;

/// The status section.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// The target and the verdict, one line.
    pub target: String,
    /// "MET", "NOT MET" or "UNKNOWN".
    pub verdict: String,
    /// Limits of the best candidate, strongest first (empty when the target is met).
    pub bottlenecks: Vec<BottleneckView>,
    /// Why no bottleneck could be read, when so.
    pub note: Option<String>,
}

/// One limit with its levers.
#[derive(Debug, Clone, Serialize)]
pub struct BottleneckView {
    /// Its kind.
    pub kind: String,
    /// The metrics that show it.
    pub evidence: String,
    /// What to try.
    pub levers: Vec<String>,
}

/// Judges the target and, on a miss, reads the bottlenecks of the best candidate.
pub fn status(run: &RunData, b: &Baselines, opts: &ReportOptions) -> StatusView {
    let want = format!(
        "Target: the best candidate at least {}× faster than {} (kernel-only, lower bound \
         of the 95% CI; set with `--target` and `--target-vs`)",
        exact(opts.target),
        opts.target_vs.label
    );
    let (verdict, line) = match judge(run, b, opts) {
        Ok((s, met)) => {
            let how = if s.ci.is_some() {
                "lower bound"
            } else {
                "point estimate, no samples"
            };
            let marks = [1.0, opts.target];
            let gap = if met {
                String::new()
            } else {
                format!(", short by {}×", apart(opts.target - s.lower(), &[0.0]))
            };
            let unreachable =
                BelowFloor::of(run, &opts.target_vs, opts.target, TimingProtocol::Cold)
                    .filter(|_| !met)
                    .map(|f| format!(" No kernel can meet it at this shape: {}.", f.describe()))
                    .unwrap_or_default();
            let v = if met { "MET" } else { "NOT MET" };
            (
                v,
                format!(
                    "{want}. Best: {} ({how} {}×){gap}.{unreachable}",
                    s.display_near(&marks),
                    apart(s.lower(), &marks)
                ),
            )
        }
        Err(e) => ("UNKNOWN", format!("{want}. Cannot judge: {e}.")),
    };
    let (bottlenecks, note) = if verdict == "MET" {
        (Vec::new(), None)
    } else {
        next_actions(run, &opts.run_arg)
    };
    StatusView {
        target: line,
        verdict: verdict.into(),
        bottlenecks,
        note,
    }
}

/// The best candidate's speedup over the target's baseline and whether it meets the target.
pub fn judge(
    run: &RunData,
    b: &Baselines,
    opts: &ReportOptions,
) -> Result<(Speedup, bool), String> {
    let base = b.get(&opts.target_vs)?;
    let base = Times::of_baseline(base).ok_or("the baseline has no kernel-only time")?;
    let topk = run.topk.as_ref().map_err(|e| e.clone())?;
    let best = topk
        .elites
        .first()
        .and_then(Times::of_elite)
        .ok_or("no timed candidate in tune/topk.json")?;
    let s = Speedup::of(&base, &best);
    Ok((s, s.lower() >= opts.target))
}

fn next_actions(run: &RunData, run_arg: &str) -> (Vec<BottleneckView>, Option<String>) {
    match best_profile(run) {
        Ok(m) => {
            let views = diagnose(&m)
                .into_iter()
                .map(|d| BottleneckView {
                    kind: d.kind.into(),
                    evidence: d.evidence,
                    levers: d.levers.iter().map(|l| l.to_string()).collect(),
                })
                .collect();
            (views, None)
        }
        Err(e) => (
            Vec::new(),
            Some(format!(
                "No bottleneck reading: the best candidate was not profiled ({e}). Run \
                 `evotune ncu --run {run_arg}`; meanwhile see the roofline's floor gap above."
            )),
        ),
    }
}
