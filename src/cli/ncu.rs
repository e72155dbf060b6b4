//! `evotune ncu --run DIR`: profiles baseline A and the top elites with Nsight Compute, keeps
//! the `.ncu-rep` reports, and writes `ncu/summary.json` (saying why, when nothing could be
//! profiled).

use super::run_dir::write_json;
use crate::artifacts::{read_json, RunPaths, TopK};
use crate::error::Error;
use crate::ncu::{not_profiled, profile_all, targets, NcuStatus, NcuTool, PlanOptions};
use clap::Args;
use std::path::PathBuf;

/// `evotune ncu`
#[derive(Debug, Args)]
pub struct NcuArgs {
    /// The run folder (artifacts/<run_id>) with tune/topk.json.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Profile the best K elites.
    #[arg(long, value_name = "K", default_value_t = 3)]
    pub top: usize,
    /// The ncu executable [default: ncu on PATH, else /usr/local/cuda/bin/ncu].
    #[arg(long, value_name = "PATH")]
    pub ncu: Option<PathBuf>,
    /// Launches of the candidate kernel to skip before the profiled one (the first is the
    /// validation launch).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub launch_skip: u32,
    /// Do not profile baseline A (the math path).
    #[arg(long)]
    pub no_baseline: bool,
}

/// Checks the flags, profiles, writes the summary; exits 1 when nothing could be profiled.
pub fn run(args: &NcuArgs) -> anyhow::Result<()> {
    let paths = RunPaths::new(&args.run);
    if !paths.topk().is_file() {
        return Err(Error::flag(
            "--run",
            format!(
                "{} has no tune/topk.json: tune first (evotune --shape ... --out {})",
                args.run.display(),
                args.run.display()
            ),
        )
        .into());
    }
    if args.top == 0 {
        return Err(Error::flag("--top", "must be at least 1, got 0").into());
    }
    let topk: TopK = read_json(&paths.topk())?;
    let located = NcuTool::locate(args.ncu.as_deref()).map_err(|why| match &args.ncu {
        Some(_) => format!("{why} (--ncu)"),
        None => why,
    });
    let summary = match located {
        Err(reason) => not_profiled(NcuStatus::Unavailable, reason, None),
        Ok(tool) => {
            let plan = PlanOptions {
                top: args.top,
                evotune: std::env::current_exe()?,
                launch_skip: args.launch_skip,
                baseline: !args.no_baseline,
            };
            profile_all(&tool, &paths, &targets(&topk, &paths, &plan))
        }
    };
    let path = paths.ncu_dir().join("summary.json");
    write_json(&path, &summary)?;
    match summary.status {
        NcuStatus::Ok | NcuStatus::Partial => {
            eprintln!("ncu: {:?}; wrote {}", summary.status, path.display());
            Ok(())
        }
        _ => anyhow::bail!(
            "ncu: nothing profiled: {} (written to {})",
            summary.reason.as_deref().unwrap_or("no reason"),
            path.display()
        ),
    }
}
