//! `evotune report`: the report of one run folder (`--run`: `reports/<run_id>.md` and its plots,
//! copied to `reports/latest.md`), or the multi-shape report of a sweep folder (`--sweep`) or of
//! the tuning database (`--db`); no GPU needed.

mod db;
mod multi;
mod sweep;

use crate::cli::comparison::{resolve, Asked};
use crate::cli::run_dir::check_writable;
use crate::error::Error;
use crate::report::{render, write, ReportOptions, RunData};
use clap::{ArgGroup, Args};
use std::path::{Path, PathBuf};

const AFTER: &str = "Examples:
  evotune report --run artifacts/tune-20261123-170000     reports/<run_id>.md, reports/latest.md
  evotune report --sweep artifacts/sweep1                 artifacts/sweep1/report.md (+ report/*.svg)
  evotune report --db tuning.db --device H200             reports/db-<device>.md (+ db-<device>/*.svg)

The multi-shape report (--sweep, --db) has a table over the problems (evotune's best and every
baseline recorded, with CIs, TFLOP/s and the ratio over the fastest vendor kernel), plots of
TFLOP/s against head dim and sequence length, cliffs (a fall of more than 10 % between
neighbouring head dims), the fastest method at each problem, and what padding D = 107 to 112
or 128 would give. GEMMs (a sweep of --gemms, the database's GEMM rows) get the ratio over
their own vendor kernel (cublaslt_fp8) and their cliffs: a GEMM whose best TFLOP/s falls more
than 15 % below both neighbours' along M, N or K is marked in the table, and a section says
where. It prints the report's path.";

/// `evotune report`
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
#[command(group(ArgGroup::new("source").required(true).args(["run", "sweep", "db"])))]
pub struct ReportArgs {
    /// The run folder (artifacts/<run_id>): the report of one run.
    #[arg(long, value_name = "DIR")]
    pub run: Option<PathBuf>,
    /// A sweep folder (with its sweep.json): the multi-shape report of its problems, written to
    /// DIR/report.md with its plots in DIR/report/ (or --out); failed problems are listed with
    /// their reasons.
    #[arg(long, value_name = "DIR")]
    pub sweep: Option<PathBuf>,
    /// A tuning database: the multi-shape report of its fresh rows on one device (the best
    /// row of each problem; stale rows are left out), written to reports/db-<device>.md with
    /// its plots in reports/db-<device>/ (or --out).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// With --db: the device, its GPU name or a part that names one (`replay` for replayed
    /// runs); needed when the database holds fresh rows of several devices.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["run", "sweep"])]
    pub device: Option<String>,
    /// With --sweep or --db: the markdown file to write; the plots go beside it, into a folder
    /// named as the file without .md.
    #[arg(long, value_name = "FILE.md", conflicts_with = "run")]
    pub out: Option<PathBuf>,
    /// With --run: where reports go: DIR/<run_id>.md, DIR/<run_id>/*.svg, DIR/latest.md.
    #[arg(long, value_name = "DIR", default_value = "reports", conflicts_with_all = ["sweep", "db"])]
    pub reports_dir: PathBuf,
    /// With --run: target speedup of the best candidate (lower bound of its 95% CI). Default:
    /// 1.0 against baseline B, i.e. beat the fastest fused fp16 kernel there is, with confidence.
    #[arg(long, value_name = "X", default_value_t = 1.0, conflicts_with_all = ["sweep", "db"])]
    pub target: f64,
    /// With --run: the baseline the target is measured against [default: baseline_b for an
    /// SDPA run, cublaslt_fp8 for a GEMM run].
    #[arg(
        long,
        value_parser = super::comparison::parser(),
        value_name = "BASELINE",
        conflicts_with_all = ["sweep", "db"]
    )]
    pub target_vs: Option<Asked>,
}

/// Renders and writes the report its source flag asks for.
pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    match (&args.run, &args.sweep, &args.db) {
        (Some(run), _, _) => run_report(run, args),
        (_, Some(dir), _) => sweep::run(dir, args.out.as_deref()),
        (_, _, Some(file)) => db::run(file, args.device.as_deref(), args.out.as_deref()),
        _ => Err(Error::flag("report", "needs --run, --sweep or --db").into()),
    }
}

/// Checks the flags, reads the run folder, renders and writes the report.
fn run_report(run: &Path, args: &ReportArgs) -> anyhow::Result<()> {
    if !run.is_dir() {
        return Err(Error::flag(
            "--run",
            format!("{} is not a run folder (no such directory)", run.display()),
        )
        .into());
    }
    if !(args.target.is_finite() && args.target > 0.0) {
        return Err(Error::flag(
            "--target",
            format!("must be a number > 0, got {}", args.target),
        )
        .into());
    }
    check_writable("--reports-dir", &args.reports_dir)?;
    let data = RunData::load(run);
    let registry = data.registry;
    let target_vs = resolve(
        args.target_vs.as_ref(),
        registry.target_vs,
        registry,
        "--target-vs",
    )?;
    let opts = ReportOptions {
        target: args.target,
        target_vs,
        run_arg: run.display().to_string(),
    };
    let rendered = render(&data, &opts)?;
    std::fs::create_dir_all(&args.reports_dir)
        .map_err(|e| Error::io("create", &args.reports_dir, e))?;
    let path = write(&rendered, &args.reports_dir)?;
    println!("{}", path.display());
    eprintln!(
        "report: {} (copied to {})",
        path.display(),
        args.reports_dir.join("latest.md").display()
    );
    Ok(())
}
