//! The report's content as plain strings for the template: one builder per section.

mod confirm;
pub(super) mod env;
mod methods;
mod ncu;
pub(crate) mod status;
mod table;

use super::compare::{Baselines, CI_METHOD};
use super::load::RunData;
use crate::op::Comparison;
use serde::Serialize;

/// What the report is asked for.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Target speedup of the best candidate (lower 95% CI bound).
    pub target: f64,
    /// The baseline the target is measured against.
    pub target_vs: Comparison,
    /// The run folder as the user named it (for the commands shown).
    pub run_arg: String,
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct Context {
    /// The run id.
    pub run_id: String,
    /// The run folder as given.
    pub run_dir: String,
    /// A line about the run (shape, space, trials), or why it is unknown.
    pub summary: Vec<String>,
    /// How intervals were computed.
    pub ci_method: &'static str,
    /// How times were taken (distinct methods of the recorded timings).
    pub timing_methods: Vec<String>,
    /// Which record each comparison by role picked.
    pub baseline_notes: Vec<String>,
    /// The short names of the top-line table's speedup columns ("A", "B").
    pub speedup_columns: Vec<&'static str>,
    /// The top-line table.
    pub rows: Vec<table::Row>,
    /// Why rows are missing.
    pub row_notes: Vec<String>,
    /// The elites confirmed in fresh worker processes after the search (none: no section).
    pub confirmations: Vec<String>,
    /// Best candidate against each baseline.
    pub verdicts: Vec<table::VerdictRow>,
    /// Why there is no verdict, or what it is about.
    pub verdict_notes: Vec<String>,
    /// Nsight Compute highlights.
    pub ncu: ncu::NcuView,
    /// Roofline positions.
    pub roofline: ncu::RooflineView,
    /// Links to the plots, or why each is missing.
    pub plots: Vec<Plot>,
    /// Target and next actions.
    pub status: status::StatusView,
    /// The machine and software.
    pub env: Vec<env::Pair>,
    /// Commands to reproduce.
    pub reproduce: Vec<String>,
}

/// One plot of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Plot {
    /// Its caption.
    pub title: String,
    /// Path relative to the report, when drawn.
    pub link: Option<String>,
    /// Why it is not drawn, or what it shows.
    pub note: String,
}

/// Builds the context; `plots` are the plot entries already decided by the caller.
pub fn build(run: &RunData, opts: &ReportOptions, plots: Vec<Plot>) -> Context {
    let baselines = Baselines::of(run);
    let (rows, row_notes) = table::rows(run, &baselines);
    let (verdicts, verdict_notes) = table::verdicts(run, &baselines);
    Context {
        run_id: run.paths.run_id(),
        run_dir: opts.run_arg.clone(),
        summary: env::summary(run),
        ci_method: CI_METHOD,
        timing_methods: env::timing_methods(run),
        baseline_notes: table::baseline_notes(run, &baselines),
        speedup_columns: run.registry.columns().filter_map(|c| c.column).collect(),
        rows,
        row_notes,
        confirmations: confirm::notes(run),
        verdicts,
        verdict_notes,
        ncu: ncu::highlights(run, &opts.run_arg),
        roofline: ncu::roofline(run, &baselines),
        plots,
        status: status::status(run, &baselines, opts),
        env: env::environment(run),
        reproduce: env::reproduce(run, &opts.run_arg),
    }
}
