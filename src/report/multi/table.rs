//! The table over the problems: evotune's best, every baseline recorded, and evotune's speed
//! ratio over the fastest vendor kernel.

use super::gemm_cliffs::GemmCliff;
use super::model::{vendors, Best, ProblemResult, Time, Tuned};
use crate::op::ProblemSpec;
use crate::report::compare::Speedup;
use crate::report::format::DASH;
use serde::Serialize;

/// One row of the problem table, as text.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The problem's full text.
    pub problem: String,
    /// evotune's best: µs [CI] (TFLOP/s), or failed with the reason.
    pub evotune: String,
    /// Its kernel family.
    pub family: String,
    /// One cell per baseline column.
    pub cells: Vec<String>,
    /// evotune's speedup over the fastest vendor kernel, naming it.
    pub vs_vendor: String,
}

/// A row per problem, with a cell per baseline of `names`; the problems of `cliffs` marked.
pub fn rows(problems: &[ProblemResult], names: &[String], cliffs: &[GemmCliff]) -> Vec<Row> {
    problems
        .iter()
        .map(|p| {
            let mut r = row(p, names);
            if cliffs.iter().any(|c| c.problem == r.problem) {
                r.problem.push_str(" **cliff**");
            }
            r
        })
        .collect()
}

fn row(p: &ProblemResult, names: &[String]) -> Row {
    let cells = names
        .iter()
        .map(|n| match p.baseline(n).map(|b| &b.time) {
            None => DASH.into(),
            Some(Ok(t)) => time_cell(t, &p.problem),
            Some(Err(why)) => escape(why),
        })
        .collect();
    let (evotune, family) = match &p.tuned {
        Tuned::Best(b) => (
            best_cell(b, &p.problem),
            b.family.clone().unwrap_or_else(|| DASH.into()),
        ),
        Tuned::Failed(why) => (format!("**failed**: {}", escape(why)), DASH.into()),
        Tuned::Missing(why) => (format!("no result: {}", escape(why)), DASH.into()),
    };
    Row {
        problem: p.label(),
        evotune,
        family,
        cells,
        vs_vendor: vs_vendor(p),
    }
}

/// "12.34 [12.30, 12.41] (41.2)": the median, its CI when recorded, TFLOP/s.
pub fn time_cell(t: &Time, problem: &ProblemSpec) -> String {
    let ci = t
        .ci_us
        .map_or(String::new(), |(lo, hi)| format!(" [{lo:.2}, {hi:.2}]"));
    format!("{:.2}{ci} ({:.1})", t.p50_us, t.tflops(problem))
}

/// evotune's cell: its time, or, where another problem's answers stood in, that time marked
/// as theirs (no TFLOP/s: they would count this problem's flops over another's time).
fn best_cell(b: &Best, problem: &ProblemSpec) -> String {
    match &b.stand_in {
        None => time_cell(&b.time, problem),
        Some(on) => format!(
            "*stand-in*: {:.2} measured at {on}, not here",
            b.time.p50_us
        ),
    }
}

/// "1.23× [1.21, 1.25] vs cudnn", or why there is no ratio.
fn vs_vendor(p: &ProblemResult) -> String {
    let Some(best) = p.best() else {
        return DASH.into();
    };
    if best.stand_in.is_some() {
        return format!("{DASH} (stand-in answers)");
    }
    match p.best_vendor() {
        Some((name, t)) => format!(
            "{} vs {name}",
            Speedup::of(&t.times(), &best.time.times()).display()
        ),
        None => format!(
            "{DASH} (none of {} measured)",
            vendors(p.problem.operation())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `text` safe inside a markdown table cell: no pipes, no line breaks.
pub fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
