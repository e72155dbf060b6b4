//! The top-line table (every variant with its times, speedups, errors and status) and the
//! statistical verdict of the best candidate against each baseline.

use crate::artifacts::{BaselineRecord, BaselineStatus, Elite};
use crate::eval::TimingProtocol;
use crate::op::Comparison;
use crate::report::compare::{Baselines, Speedup, Times, Verdict};
use crate::report::format::{fixed, sci, DASH};
use crate::report::load::RunData;
use serde::Serialize;

/// One row of the top-line table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The variant's name.
    pub variant: String,
    /// Cold kernel-only p50 with its 95% CI, µs (L2 flushed before each repetition).
    pub cold_us: String,
    /// Warm kernel-only p50 with its 95% CI, µs (L2 not flushed, 20 back-to-back launches).
    pub warm_us: String,
    /// Per-call p50, µs.
    pub call_us: String,
    /// Speedups with their CIs over the baselines of the registry's columns, in their order.
    pub vs: Vec<String>,
    /// Max abs error.
    pub max_abs: String,
    /// Relative L2 error.
    pub rel_l2: String,
    /// PASS, FAIL, unchecked or unavailable.
    pub status: String,
}

/// One line of the verdict table.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictRow {
    /// The baseline.
    pub baseline: String,
    /// Speedup with its CI.
    pub speedup: String,
    /// Whether the medians' CIs overlap.
    pub ci_overlap: String,
    /// Hedges' g.
    pub hedges_g: String,
    /// Cliff's delta.
    pub cliffs_delta: String,
    /// Mann–Whitney p-value (and method).
    pub p_value: String,
    /// The conclusion.
    pub conclusion: String,
}

/// Which record each comparison by role picked, or why it is missing, and what the floor is.
pub fn baseline_notes(run: &RunData, b: &Baselines) -> Vec<String> {
    let registry = run.registry;
    let mut notes: Vec<String> = registry
        .roles
        .iter()
        .map(|c| match b.get(c) {
            Ok(r) => format!("{}: `{}` ({}).", c.note, r.baseline, r.implementation),
            Err(e) => format!("{} is missing: {e}.", c.note),
        })
        .collect();
    let floor = registry.floor().and_then(|f| run.baseline(f).ok());
    notes.extend(floor.map(|_| {
        format!(
            "`floor` is not {}: one kernel that only {}, timed the same way. No kernel can be \
             faster under this timing protocol, so its speedups are the largest any candidate \
             could show at this problem.",
            registry.work, registry.floor_does
        )
    }));
    notes
}

/// The baselines' rows then the elites', with notes on what is missing.
pub fn rows(run: &RunData, b: &Baselines) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for name in run.registry.names() {
        match run.baseline(name) {
            Ok(r) => rows.push(baseline_row(r, b)),
            Err(e) => notes.push(format!("baseline `{name}`: {e}")),
        }
    }
    match &run.topk {
        Ok(t) => rows.extend(t.elites.iter().map(|e| elite_row(e, b))),
        Err(e) => notes.push(format!("no candidates: {e}")),
    }
    for r in run.registry.names().filter_map(|n| run.baseline(n).ok()) {
        if let Some(reason) = &r.reason {
            notes.push(format!("`{}`: {reason}", r.baseline));
        }
    }
    (rows, notes)
}

/// The record's name, tagged with the column whose comparison picked it: "math (A)".
fn tag(r: &BaselineRecord, b: &Baselines) -> String {
    let picked = |c: &&Comparison| b.get(c).is_ok_and(|y| std::ptr::eq(y, r));
    match b.registry().columns().find(picked) {
        Some(c) => format!("{} ({})", r.baseline, c.column.unwrap_or_default()),
        None => r.baseline.clone(),
    }
}

/// The speedups of a variant's `times` over each column's baseline, in column order.
fn speedups(b: &Baselines, times: Option<&Times>) -> Vec<String> {
    let columns = b.registry().columns();
    columns.map(|c| speedup_vs(&b.get(c), times)).collect()
}

fn baseline_row(r: &BaselineRecord, b: &Baselines) -> Row {
    let times = Times::of_baseline(r);
    let status = match (&r.status, &r.validation) {
        (BaselineStatus::Unavailable, _) => "unavailable".to_string(),
        (_, Some(v)) if v.passed => "PASS".into(),
        (_, Some(_)) => "FAIL".into(),
        (_, None) => "unchecked".into(),
    };
    let errors = r.validation.as_ref().map(|v| &v.errors);
    Row {
        variant: tag(r, b),
        cold_us: with_ci(Times::of_baseline_in(r, TimingProtocol::Cold)),
        warm_us: with_ci(Times::of_baseline_in(r, TimingProtocol::Warm)),
        call_us: fixed(r.call_time.as_ref().map(|t| t.p50_us), 2),
        vs: speedups(b, times.as_ref()),
        max_abs: sci(errors.map(|e| e.max_abs)),
        rel_l2: sci(errors.map(|e| e.rel_l2)),
        status,
    }
}

fn elite_row(e: &Elite, b: &Baselines) -> Row {
    let times = Times::of_elite(e);
    let call = e.call_time.as_ref().map(|t| t.p50_us);
    Row {
        variant: format!("#{} `{}`", e.rank, e.label),
        cold_us: with_ci(Times::of_elite_in(e, TimingProtocol::Cold)),
        warm_us: with_ci(Times::of_elite_in(e, TimingProtocol::Warm)),
        call_us: fixed(call.or(e.record.call_p50_us), 2),
        vs: speedups(b, times.as_ref()),
        max_abs: sci(e.record.max_abs),
        rel_l2: sci(e.record.rel_l2),
        status: if e.record.is_ok() { "PASS" } else { "FAIL" }.into(),
    }
}

/// "12.80 [12.75, 12.85]", "12.80" without a CI, or "—".
fn with_ci(t: Option<Times>) -> String {
    match t {
        Some(Times {
            p50_us,
            ci_us: Some((lo, hi)),
            ..
        }) => format!("{p50_us:.2} [{lo:.2}, {hi:.2}]"),
        Some(t) => fixed(Some(t.p50_us), 2),
        None => DASH.into(),
    }
}

fn speedup_vs(base: &Result<&BaselineRecord, String>, cand: Option<&Times>) -> String {
    let base = base.as_ref().ok().and_then(|r| Times::of_baseline(r));
    match (base, cand) {
        (Some(b), Some(c)) => Speedup::of(&b, c).display(),
        _ => DASH.into(),
    }
}

/// The best elite against every measured baseline.
pub fn verdicts(run: &RunData, b: &Baselines) -> (Vec<VerdictRow>, Vec<String>) {
    let best = match &run.topk {
        Ok(t) => t.elites.first(),
        Err(e) => return (Vec::new(), vec![format!("no candidates: {e}")]),
    };
    let Some((best, times)) = best.and_then(|e| Some((e, Times::of_elite(e)?))) else {
        return (
            Vec::new(),
            vec!["no timed candidate in tune/topk.json".into()],
        );
    };
    let rows = run
        .registry
        .computing()
        .filter_map(|n| run.baseline(n).ok())
        .filter_map(|r| Some((tag(r, b), Times::of_baseline(r)?)))
        .map(|(name, base)| verdict_row(name, &Verdict::of(&base, &times)))
        .collect();
    let source = best.source.as_ref().map_or(String::new(), |p| {
        format!(" Its CUDA source: `{}` in the run folder.", p.display())
    });
    let note = format!(
        "Best candidate: #{} `{}`.{source} Effect sizes are of (baseline, candidate): positive \
         means the candidate is faster.",
        best.rank, best.label
    );
    (rows, vec![note])
}

fn verdict_row(baseline: String, v: &Verdict) -> VerdictRow {
    let yes_no = |b: bool| if b { "overlap" } else { "disjoint" }.to_string();
    VerdictRow {
        baseline,
        speedup: v.speedup.display(),
        ci_overlap: v.ci_overlap.map_or(DASH.into(), yes_no),
        hedges_g: fixed(v.hedges_g, 2),
        cliffs_delta: fixed(v.cliffs_delta, 3),
        p_value: v.mann_whitney.map_or(DASH.into(), |m| {
            format!("{} ({:?})", p_text(m.p_value), m.method).to_lowercase()
        }),
        conclusion: v.conclusion(),
    }
}

fn p_text(p: f64) -> String {
    if p < 1e-4 {
        "< 1e-4".into()
    } else {
        format!("{p:.4}")
    }
}
