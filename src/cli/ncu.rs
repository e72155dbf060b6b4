//! `evotune ncu --run DIR`: profiles baseline A and the top elites with Nsight Compute, keeps
//! the `.ncu-rep` reports, and writes `ncu/summary.json` (saying why, when nothing could be
//! profiled and the run holds no earlier profile, which such a session leaves as it was).

use super::run_dir::write_json;
use crate::artifacts::{read_json, RunPaths, TopK};
use crate::error::Error;
use crate::ncu::{not_profiled, profile_all, targets, NcuStatus, NcuSummary, NcuTool, PlanOptions};
use clap::Args;
use std::path::{Path, PathBuf};

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

/// Where a session's reports are written before they replace the run's (`ncu.new/ncu/`):
/// ncu removes a report before it profiles, so a failing session must not write in `ncu/`.
const STAGING: &str = "ncu.new";

/// Checks the flags, profiles, writes the summary; exits 1 when nothing could be profiled. A
/// session that profiled nothing never replaces an earlier profile: the run keeps its
/// `ncu/` as it was and the error says why.
pub fn run(args: &NcuArgs) -> anyhow::Result<()> {
    let paths = RunPaths::new(&args.run);
    check_args(args, &paths)?;
    let topk: TopK = read_json(&paths.topk())?;
    let staging = RunPaths::new(&paths.root.join(STAGING));
    discard(&staging)?;
    let summary = profile(args, &topk, &staging)?;
    let path = paths.ncu_dir().join("summary.json");
    let profiled = matches!(summary.status, NcuStatus::Ok | NcuStatus::Partial);
    if let Some(earlier) = earlier_profile(&path).filter(|_| !profiled) {
        discard(&staging)?;
        anyhow::bail!(
            "ncu: nothing profiled: {}; {} keeps the earlier profile ({earlier}), unchanged",
            summary.reason.as_deref().unwrap_or("no reason"),
            path.display()
        );
    }
    publish(&staging, &paths)?;
    let summary = relocated(summary, &staging.ncu_dir(), &paths.ncu_dir());
    write_json(&path, &summary)?;
    if profiled {
        eprintln!("ncu: {:?}; wrote {}", summary.status, path.display());
        return Ok(());
    }
    anyhow::bail!(
        "ncu: nothing profiled: {} (written to {})",
        summary.reason.as_deref().unwrap_or("no reason"),
        path.display()
    )
}

fn check_args(args: &NcuArgs, paths: &RunPaths) -> crate::error::Result<()> {
    if !paths.topk().is_file() {
        return Err(Error::flag(
            "--run",
            format!(
                "{} has no tune/topk.json: tune first (evotune --shape ... --out {})",
                args.run.display(),
                args.run.display()
            ),
        ));
    }
    if args.top == 0 {
        return Err(Error::flag("--top", "must be at least 1, got 0"));
    }
    Ok(())
}

/// Profiles the run's targets into `staging` (or says why ncu is unavailable).
fn profile(args: &NcuArgs, topk: &TopK, staging: &RunPaths) -> anyhow::Result<NcuSummary> {
    let located = NcuTool::locate(args.ncu.as_deref()).map_err(|why| match &args.ncu {
        Some(_) => format!("{why} (--ncu)"),
        None => why,
    });
    Ok(match located {
        Err(reason) => not_profiled(NcuStatus::Unavailable, reason, None),
        Ok(tool) => {
            let plan = PlanOptions {
                top: args.top,
                evotune: std::env::current_exe()?,
                launch_skip: args.launch_skip,
                baseline: !args.no_baseline,
            };
            profile_all(&tool, staging, &targets(topk, staging, &plan))
        }
    })
}

/// The summary naming `to`, where the session's files went, wherever it names `from`, where
/// they were written (the commands' output folders, and reasons that name a report).
fn relocated(mut summary: NcuSummary, from: &Path, to: &Path) -> NcuSummary {
    let (from, to) = (from.display().to_string(), to.display().to_string());
    let moved = |text: &mut String| *text = text.replace(&from, &to);
    summary.reason.iter_mut().for_each(moved);
    for p in &mut summary.profiles {
        p.command.iter_mut().for_each(moved);
        p.reason.iter_mut().for_each(moved);
    }
    summary
}

/// The status of the summary at `path` when it holds profiles ("ok" or "partial").
fn earlier_profile(path: &Path) -> Option<String> {
    let summary: NcuSummary = read_json(path).ok()?;
    let status = match summary.status {
        NcuStatus::Ok => "ok",
        NcuStatus::Partial => "partial",
        _ => return None,
    };
    Some(status.into())
}

/// Moves the session's files from `staging` into the run's `ncu/` (each replacing the one of
/// the same name), then removes `staging`.
fn publish(staging: &RunPaths, paths: &RunPaths) -> crate::error::Result<()> {
    if staging.ncu_dir().is_dir() {
        move_into(&staging.ncu_dir(), &paths.ncu_dir())?;
    }
    discard(staging)
}

/// Moves every entry of the folder `from` into the folder `to`, merging subfolders.
fn move_into(from: &Path, to: &Path) -> crate::error::Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io("create", to, e))?;
    let entries = std::fs::read_dir(from).map_err(|e| Error::io("list", from, e))?;
    for entry in entries {
        let source = entry.map_err(|e| Error::io("list", from, e))?.path();
        let target = to.join(source.file_name().unwrap_or_default());
        if source.is_dir() && target.is_dir() {
            move_into(&source, &target)?;
            continue;
        }
        if target.is_dir() {
            std::fs::remove_dir_all(&target).map_err(|e| Error::io("remove", &target, e))?;
        }
        std::fs::rename(&source, &target).map_err(|e| Error::io("move", &source, e))?;
    }
    Ok(())
}

/// Removes `staging` (a session's leftovers, or one killed before it published).
fn discard(staging: &RunPaths) -> crate::error::Result<()> {
    match std::fs::remove_dir_all(&staging.root) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::io("remove", &staging.root, e))
        }
        _ => Ok(()),
    }
}
