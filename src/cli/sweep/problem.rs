//! Tuning one problem of a sweep as a normal tune run in its own folder: a fresh run, or the
//! resumption of one a killed sweep left half-done; its outcome becomes its `sweep.json` entry.

use super::grid::problem_name;
use super::index::{ProblemEntry, Status, SweepSettings};
use super::plan::{tune_args, SweepPlan};
use crate::artifacts::{RunPaths, TopK};
use crate::cli::args::TuneArgs;
use crate::cli::inputs::flagged;
use crate::cli::run_dir::utc_stamp;
use crate::cli::target::CliProblem;
use crate::cli::tune::{run_plan, ReplayRule, TunePlan};
use crate::error::{Error, Input, Result};
use crate::op::{Gemm, Operation};
use crate::progress::ProgressGroup;
use crate::shape::Shape;
use std::path::{Path, PathBuf};

/// Tunes `entry` (resuming its run folder when it holds a log) and returns its new entry:
/// done with the best config, or failed with the reason.
pub fn run(plan: &SweepPlan, entry: &ProblemEntry, group: &ProgressGroup) -> ProblemEntry {
    let folder = plan.dir.join(&entry.run);
    let result = tune(plan, entry, &folder, group);
    let mut out = entry.clone();
    out.finished_utc = Some(utc_stamp(now_secs()));
    match result {
        Ok(topk) => {
            out.status = Status::Done;
            record_best(&mut out, &topk);
        }
        Err(e) => {
            out.status = Status::Failed;
            out.reason = Some(flagged(from_replay_dir(plan, e)).to_string());
        }
    }
    out
}

/// An error about a problem's replay log names `--replay-dir` when the log came from there.
fn from_replay_dir(plan: &SweepPlan, err: Error) -> Error {
    match err {
        Error::BadInput {
            input: Input::ReplayLog,
            message,
        } if plan.index.settings.replay_dir.is_some() => Error::flag("--replay-dir", message),
        other => other,
    }
}

fn tune(
    plan: &SweepPlan,
    entry: &ProblemEntry,
    folder: &Path,
    group: &ProgressGroup,
) -> Result<TopK> {
    let args = args_for(plan, entry, folder)?;
    let rule = match plan.index.settings.replay {
        Some(_) => ReplayRule::StandInAllowed,
        None => ReplayRule::SameProblem,
    };
    match entry.operation {
        Operation::Sdpa => search::<Shape>(&args, rule, group),
        Operation::Gemm => search::<Gemm>(&args, rule, group),
    }
}

/// Resolves and runs the search of a problem of type `P`.
fn search<P: CliProblem>(args: &TuneArgs, rule: ReplayRule, group: &ProgressGroup) -> Result<TopK> {
    let mut tune = TunePlan::<P>::resolve_with(args, rule)?;
    tune.group = Some(group.clone());
    run_plan(&tune)
}

/// A resumable folder (manifest and log) resumes; anything else starts afresh, after the
/// manifest of a run killed before its first log line is set aside.
fn args_for(plan: &SweepPlan, entry: &ProblemEntry, folder: &Path) -> Result<TuneArgs> {
    let s = &plan.index.settings;
    let run = RunPaths::new(folder);
    let problem = (entry.operation, entry.shape.as_str());
    let mut args = tune_args(s, problem, Some(entry.budget), &entry.set);
    args.cache_dir = plan.cache_dir.clone();
    args.db = plan.db.clone();
    if run.manifest().is_file() && run.tune_log().is_file() {
        args.shape = None;
        args.gemm = None;
        args.set = Vec::new();
        args.resume = Some(folder.to_path_buf());
        args.replay = None;
        args.warm_start = false;
        return Ok(args);
    }
    if run.manifest().is_file() {
        std::fs::remove_file(run.manifest()).map_err(|e| Error::io("remove", run.manifest(), e))?;
    }
    args.out = Some(folder.to_path_buf());
    args.replay = replay_log(s, entry)?;
    args.replay_delay_ms = if args.replay.is_some() {
        plan.replay_delay_ms
    } else {
        0
    };
    Ok(args)
}

/// The log that answers `entry`'s problem: `--replay` (recorded on one problem, standing in
/// for the others), or its file in `--replay-dir`, `<B-H-S-D>.csv` or a GEMM's `<M-N-K>.csv`
/// (which must have been recorded on it).
fn replay_log(s: &SweepSettings, entry: &ProblemEntry) -> Result<Option<PathBuf>> {
    let Some(dir) = &s.replay_dir else {
        return Ok(s.replay.clone());
    };
    let shape = &entry.shape;
    let name = problem_name(&entry.problem()?);
    let candidates = [format!("{name}.csv"), format!("{name}.csv.gz")];
    candidates
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .map(Some)
        .ok_or_else(|| {
            Error::flag(
                "--replay-dir",
                format!(
                    "{} has no log for {shape} ({name}.csv or {name}.csv.gz)",
                    dir.display()
                ),
            )
        })
}

fn record_best(entry: &mut ProblemEntry, topk: &TopK) {
    entry.trials = Some(topk.trials);
    entry.failures = Some(topk.failures);
    match topk.elites.first() {
        Some(best) => {
            entry.best_p50_us = best.record.p50_us;
            entry.best_config = Some(best.label.clone());
            entry.reason = None;
        }
        None => {
            entry.best_p50_us = None;
            entry.best_config = None;
            entry.reason = Some("no trial passed validation".into());
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
