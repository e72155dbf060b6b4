//! `evotune report --run DIR`: renders `reports/<run_id>.md` and its plots from the run
//! folder's artifacts alone (no GPU), and copies it to `reports/latest.md`.

use crate::error::Error;
use crate::report::{render, write, ReportOptions, RunData, Versus};
use clap::Args;
use std::path::PathBuf;

/// `evotune report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run folder (artifacts/<run_id>).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Where reports go: DIR/<run_id>.md, DIR/<run_id>/*.svg, DIR/latest.md.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// Target speedup of the best candidate (lower bound of its 95% CI). Default: 1.0 against
    /// baseline B, i.e. beat the fastest fused fp16 kernel there is, with confidence.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub target: f64,
    /// The baseline the target is measured against.
    #[arg(
        long,
        value_enum,
        value_name = "BASELINE",
        default_value = "baseline_b"
    )]
    pub target_vs: Versus,
}

/// Checks the flags, reads the run folder, renders and writes the report.
pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    if !args.run.is_dir() {
        return Err(Error::flag(
            "--run",
            format!(
                "{} is not a run folder (no such directory)",
                args.run.display()
            ),
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
    let data = RunData::load(&args.run);
    let opts = ReportOptions {
        target: args.target,
        target_vs: args.target_vs,
        run_arg: args.run.display().to_string(),
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
