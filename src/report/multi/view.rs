//! The multi-shape report's content as plain strings for its template, each section with the
//! one line that says why it is empty when it is.

use super::cliffs::cliffs;
use super::crossover::winner;
use super::gemm_cliffs::{any_gemm_trio, gemm_cliffs, GemmCliff, GEMM_CLIFF_FALL};
use super::groups::{groups, Group, Varying};
use super::model::{baseline_names, methods, Method, ProblemResult, Tuned};
use super::padding::trios;
use super::sections::{
    cliff_rows, crossover, gemm_cliff_rows, pad_table, CliffRow, GemmCliffRow, PadTable, WinRow,
};
use super::table::{self, Row};
use crate::report::view::Plot;
use serde::Serialize;
use std::path::PathBuf;

/// Where the problems came from and where the plots go.
#[derive(Debug, Clone)]
pub struct MultiOptions {
    /// Lines that say where the problems came from.
    pub source: Vec<String>,
    /// The plots' folder beside the report (the report's file stem).
    pub stem: String,
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct MultiContext {
    /// Where the problems came from.
    pub source: Vec<String>,
    /// "5 problems: 3 tuned, 1 failed, 1 without a result".
    pub counts: String,
    /// Whether any problem is an attention problem (its sections are shown).
    pub has_sdpa: bool,
    /// Whether any problem is a GEMM (its sections are shown).
    pub has_gemm: bool,
    /// What the problem table's figures are.
    pub intro: String,
    /// The baseline columns.
    pub baselines: Vec<String>,
    /// The problem table.
    pub rows: Vec<Row>,
    /// evotune's best config of each problem, `(problem, config)`.
    pub configs: Vec<(String, String)>,
    /// Whether any problem's best was answered from a log of another problem.
    pub has_stand_in: bool,
    /// Plots against head dim, or why there are none.
    pub d_plots: Section<Plot>,
    /// Plots against sequence length, or why there are none.
    pub s_plots: Section<Plot>,
    /// Cliffs, or why there are none.
    pub cliffs: Section<CliffRow>,
    /// The GEMM cliffs, or why there are none.
    pub gemm_cliffs: Section<GemmCliffRow>,
    /// [`GEMM_CLIFF_FALL`] as text, "15 %".
    pub gemm_cliff_fall: String,
    /// The winner of each problem, or why there is none.
    pub wins: Section<WinRow>,
    /// Where each winner wins.
    pub win_summary: Vec<String>,
    /// The padding comparisons, or why there are none.
    pub padding: Section<PadTable>,
}

/// A section's items, or the one line that says why it has none.
#[derive(Debug, Serialize)]
pub struct Section<T> {
    /// The items.
    pub items: Vec<T>,
    /// Why there are none (`None` when there are).
    pub none: Option<String>,
}

impl<T> Section<T> {
    fn of(items: Vec<T>, why: &str) -> Self {
        let none = items.is_empty().then(|| why.to_string());
        Section { items, none }
    }
}

/// The context and the plot files.
pub fn build(
    problems: &[ProblemResult],
    opts: &MultiOptions,
) -> (MultiContext, Vec<(PathBuf, String)>) {
    let methods = methods(problems);
    let by_d = groups(problems, Varying::HeadDim);
    let by_s = groups(problems, Varying::SeqLen);
    let found: Vec<_> = by_d.iter().flat_map(|g| cliffs(g, &methods)).collect();
    let (d_plots, mut files) = super::plots::plots(&by_d, &methods, &found, &opts.stem);
    let (s_plots, s_files) = super::plots::plots(&by_s, &methods, &[], &opts.stem);
    files.extend(s_files);
    let names = baseline_names(problems);
    let (wins, win_summary) = wins(problems, &methods);
    let gemm_found = gemm_cliffs(problems);
    let has_gemm = problems.iter().any(|p| p.problem.gemm().is_some());
    let context = MultiContext {
        source: opts.source.clone(),
        counts: counts(problems),
        has_sdpa: problems.iter().any(|p| p.shape().is_some()),
        has_gemm,
        intro: intro(has_gemm),
        rows: table::rows(problems, &names, &gemm_found),
        baselines: names,
        configs: configs(problems),
        has_stand_in: problems
            .iter()
            .any(|p| p.best().is_some_and(|b| b.stand_in.is_some())),
        d_plots: Section::of(d_plots, NO_D_GROUP),
        s_plots: Section::of(s_plots, NO_S_GROUP),
        cliffs: Section::of(cliff_rows(&found), &no_cliff(&by_d)),
        gemm_cliffs: gemm_section(problems, &gemm_found),
        gemm_cliff_fall: percent(GEMM_CLIFF_FALL),
        wins,
        win_summary,
        padding: padding(problems, &methods),
    };
    (context, files)
}

const NO_D_GROUP: &str = "No plot: no two problems differ only in their head dim.";
const NO_S_GROUP: &str = "No plot: no two problems differ only in their sequence length.";

fn no_cliff(by_d: &[Group]) -> String {
    if by_d.is_empty() {
        format!(
            "None looked for: {}",
            NO_D_GROUP.trim_start_matches("No plot: ")
        )
    } else {
        "None: no method's TFLOP/s falls by more than 10 % between neighbouring head dims.".into()
    }
}

/// What the problem table's times, TFLOP/s and last column are (for attention as always; with
/// GEMMs, for both operations).
fn intro(has_gemm: bool) -> String {
    if !has_gemm {
        return SDPA_INTRO.into();
    }
    format!(
        "{GEMM_INTRO}\nA GEMM marked **cliff** falls more than {} below both neighbours' TFLOP/s \
         along M, N or K\n(\"Cliffs along M, N or K\" below).",
        percent(GEMM_CLIFF_FALL)
    )
}

const SDPA_INTRO: &str = "\
Times are kernel-only medians in µs, with their 95% CI in brackets where one was recorded, and
TFLOP/s in parentheses. TFLOP/s count each problem's own flops: 4·D per attended (query, key)
pair, so a causal problem counts about half of the square. The last column is the fastest
vendor kernel's median over evotune's (flash, cudnn or cudnn_fp8; above 1× evotune is faster),
with the 95% bootstrap CI of the ratio where both sides kept their samples.";

const GEMM_INTRO: &str = "\
Times are kernel-only medians in µs, with their 95% CI in brackets where one was recorded, and
TFLOP/s in parentheses. TFLOP/s count each problem's own flops: 2·M·N·K for a GEMM M,N,K; 4·D
per attended (query, key) pair for attention. The last column is the fastest vendor kernel of
the problem's operation over evotune's median (cublaslt_fp8 or cublas_fp16 for a GEMM; flash,
cudnn or cudnn_fp8 for attention; above 1× evotune is faster), with the 95% bootstrap CI of the
ratio where both sides kept their samples.";

/// "15 %".
fn percent(fraction: f64) -> String {
    format!("{:.0} %", fraction * 100.0)
}

fn gemm_section(problems: &[ProblemResult], found: &[GemmCliff]) -> Section<GemmCliffRow> {
    let why = if any_gemm_trio(problems) {
        format!(
            "None: no GEMM's best TFLOP/s falls more than {} below both of its neighbours'.",
            percent(GEMM_CLIFF_FALL)
        )
    } else {
        "None looked for: no three GEMMs differ only in one of M, N and K.".into()
    };
    Section::of(gemm_cliff_rows(found), &why)
}

/// The winner of each problem and where each winner wins.
fn wins(problems: &[ProblemResult], methods: &[Method]) -> (Section<WinRow>, Vec<String>) {
    let wins: Vec<_> = problems.iter().filter_map(|p| winner(p, methods)).collect();
    let (rows, summary) = crossover(&wins, problems.len());
    let why = "No winner: no problem has a measured time.";
    (Section::of(rows, why), summary)
}

fn padding(problems: &[ProblemResult], methods: &[Method]) -> Section<PadTable> {
    let tables = trios(problems)
        .iter()
        .map(|t| pad_table(t, methods))
        .collect();
    Section::of(
        tables,
        "No comparison: the problems hold no D = 107 beside D = 112 or 128 with B, H, S and \
         the rest alike.",
    )
}

/// "5 problems: 3 tuned, 1 failed, 1 without a result".
fn counts(problems: &[ProblemResult]) -> String {
    let count = |f: fn(&Tuned) -> bool| problems.iter().filter(|p| f(&p.tuned)).count();
    let n = problems.len();
    format!(
        "{n} problem{}: {} tuned, {} failed, {} without a result.",
        if n == 1 { "" } else { "s" },
        count(|t| matches!(t, Tuned::Best(_))),
        count(|t| matches!(t, Tuned::Failed(_))),
        count(|t| matches!(t, Tuned::Missing(_)))
    )
}

fn configs(problems: &[ProblemResult]) -> Vec<(String, String)> {
    problems
        .iter()
        .filter_map(|p| Some((p.label(), p.best()?.config.clone())))
        .collect()
}
