//! The cliff (head dims; GEMMs' M, N or K), crossover and padding sections as text for the
//! template.

use super::cliffs::Cliff;
use super::crossover::{summary, Win};
use super::gemm_cliffs::GemmCliff;
use super::model::Method;
use super::padding::{effective_tflops, rows, Trio};
use crate::report::format::{apart, DASH};
use serde::Serialize;

/// One cliff, as text.
#[derive(Debug, Clone, Serialize)]
pub struct CliffRow {
    /// The group, `2,8,512,D`.
    pub group: String,
    /// The method.
    pub method: String,
    /// "96 → 107".
    pub dims: String,
    /// "52.1 → 43.6".
    pub tflops: String,
    /// "−16.4 %".
    pub fall: String,
}

/// The cliff table's rows.
pub fn cliff_rows(cliffs: &[Cliff]) -> Vec<CliffRow> {
    cliffs
        .iter()
        .map(|c| CliffRow {
            group: c.group.clone(),
            method: c.method.name().to_string(),
            dims: format!("{} → {}", c.from_d, c.to_d),
            tflops: format!("{:.1} → {:.1}", c.from_tflops, c.to_tflops),
            fall: fall_text(c.drop()),
        })
        .collect()
}

/// "−16.4 %".
pub fn fall_text(drop: f64) -> String {
    format!("−{:.1} %", drop * 100.0)
}

/// One problem's winner, as text.
#[derive(Debug, Clone, Serialize)]
pub struct WinRow {
    /// The problem.
    pub problem: String,
    /// The winner.
    pub winner: String,
    /// Its median, µs.
    pub us: String,
    /// The runner-up with its median: "flash: 31.50".
    pub runner_up: String,
    /// Runner-up over winner: "1.08×".
    pub margin: String,
    /// Whether the two CIs overlap.
    pub overlap: String,
}

/// The crossover table's rows and the summary lines.
pub fn crossover(wins: &[Win], of: usize) -> (Vec<WinRow>, Vec<String>) {
    let rows = wins
        .iter()
        .map(|w| WinRow {
            problem: w.problem.clone(),
            winner: w.winner.clone(),
            us: format!("{:.2}", w.winner_us),
            runner_up: w
                .runner_up
                .as_ref()
                .map_or(DASH.into(), |(n, us)| format!("{n}: {us:.2}")),
            margin: w
                .runner_up
                .as_ref()
                .map_or(DASH.into(), |(_, us)| ratio(us / w.winner_us)),
            overlap: match w.overlap {
                Some(true) => "overlap: a close call".into(),
                Some(false) => "apart".into(),
                None => DASH.into(),
            },
        })
        .collect();
    let lines = summary(wins)
        .into_iter()
        .map(|(name, problems)| {
            format!(
                "**{name}** is fastest at {} of {of} problems: {}",
                problems.len(),
                problems.join("; ")
            )
        })
        .collect();
    (rows, lines)
}

/// One trio's table, as text.
#[derive(Debug, Clone, Serialize)]
pub struct PadTable {
    /// The problem at D = 107.
    pub problem: String,
    /// The padded head dims, in column order.
    pub dims: Vec<usize>,
    /// A row per method.
    pub rows: Vec<PadRowText>,
}

/// One method across a trio, as text.
#[derive(Debug, Clone, Serialize)]
pub struct PadRowText {
    /// The method.
    pub method: String,
    /// "12.34 (41.2)" at D = 107.
    pub unpadded: String,
    /// "11.90 (42.7, 1.04× faster)" per padded head dim.
    pub padded: Vec<String>,
}

/// The table of a trio.
pub fn pad_table(trio: &Trio, methods: &[Method]) -> PadTable {
    let shape = trio
        .unpadded
        .shape()
        .expect("a trio is of attention problems");
    let us_cell = |us: Option<f64>| {
        us.map_or(DASH.into(), |us| {
            format!("{us:.2} ({:.1})", effective_tflops(shape, us))
        })
    };
    let rows = rows(trio, methods)
        .into_iter()
        .map(|r| PadRowText {
            method: r.method.name().to_string(),
            unpadded: us_cell(r.unpadded_us),
            padded: r
                .padded_us
                .iter()
                .map(|&p| padded_cell(us_cell(p), r.unpadded_us, p))
                .collect(),
        })
        .collect();
    PadTable {
        problem: trio.unpadded.label(),
        dims: trio
            .padded
            .iter()
            .filter_map(|p| Some(p.shape()?.d))
            .collect(),
        rows,
    }
}

/// The padded cell with how it compares with running D = 107 as it is.
fn padded_cell(cell: String, unpadded: Option<f64>, padded: Option<f64>) -> String {
    match unpadded.zip(padded) {
        Some((u, p)) if p < u => format!("{cell}, {} faster than 107", ratio(u / p)),
        Some((u, p)) if p > u => format!("{cell}, {} slower than 107", ratio(p / u)),
        Some(_) => format!("{cell}, as fast as 107"),
        None => cell,
    }
}

/// "1.08×"; near 1 with the decimals that show it is not 1 ("1.002×"), as the run report and
/// the gate print their speedups, so that a ratio never reads "1.00× slower".
fn ratio(r: f64) -> String {
    format!("{}×", apart(r, &[1.0]))
}

/// One GEMM cliff, as text.
#[derive(Debug, Clone, Serialize)]
pub struct GemmCliffRow {
    /// The problem, `1024,1024,96`.
    pub problem: String,
    /// Its group, `1024,1024,K`.
    pub group: String,
    /// evotune's best TFLOP/s there.
    pub tflops: String,
    /// "K = 64: 600.1; K = 128: 700.2".
    pub neighbours: String,
    /// "−31.2 %".
    pub fall: String,
    /// Where it is, in words.
    pub sentence: String,
}

/// The GEMM cliff table's rows.
pub fn gemm_cliff_rows(cliffs: &[GemmCliff]) -> Vec<GemmCliffRow> {
    cliffs
        .iter()
        .map(|c| {
            let letter = c.varying.letter();
            let point = |(v, t): (usize, f64)| format!("{letter} = {v}: {t:.1}");
            GemmCliffRow {
                problem: c.problem.clone(),
                group: c.group.clone(),
                tflops: format!("{:.1}", c.at.1),
                neighbours: format!("{}; {}", point(c.before), point(c.after)),
                fall: fall_text(c.fall()),
                sentence: format!(
                    "{} ({letter} = {} in {}): evotune's best reaches {:.1} TFLOP/s, {:.1} % \
                     below the lower of {letter} = {} and {letter} = {} on either side",
                    c.problem,
                    c.at.0,
                    c.group,
                    c.at.1,
                    c.fall() * 100.0,
                    c.before.0,
                    c.after.0
                ),
            }
        })
        .collect()
}
