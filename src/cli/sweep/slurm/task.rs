//! One array task: tunes problem N of the sweep into its run folder, records it in its own
//! database shard, and leaves its state in `<run folder>/task.json`. The sbatch script writes
//! `running` (and `cancelled` on TERM); the task writes `done` or `failed`, never `sweep.json`,
//! which tasks running at once would race on: a resumed sweep folds their states in.

use super::super::index::{ProblemEntry, Status};
use super::super::plan::SweepPlan;
use super::super::{entry_line, problem, record};
use super::task_state::{TaskState, TaskStatus, TASK_FILE};
use crate::cli::run_dir::{utc_stamp, write_json};
use crate::error::{Error, Result};
use crate::progress::ProgressGroup;
use std::path::Path;

/// Runs array task `i`: tunes problem `i` unless it is already done; an error if it failed.
pub fn run(plan: &SweepPlan, i: usize) -> anyhow::Result<()> {
    let n = plan.index.problems.len();
    let entry =
        plan.index.problems.get(i).ok_or_else(|| {
            Error::flag("--task", format!("{i} is past the sweep's {n} problems"))
        })?;
    let run_dir = plan.dir.join(&entry.run);
    let group = ProgressGroup::new();
    let out = if entry.status == Status::Done {
        group.println(&format!("{}: already done in sweep.json", entry.name));
        entry.clone()
    } else {
        let mut out = problem::run(plan, entry, &group);
        record(plan, &mut out, &group);
        out
    };
    group.println(&format!("[task {i}] {}", entry_line(&out)));
    write_state(&run_dir, &out)?;
    match out.status {
        Status::Failed => Err(Error::Other(out.reason.unwrap_or_default()).into()),
        _ => Ok(()),
    }
}

/// Writes `done` or `failed` with the entry, keeping the job and node the script wrote.
fn write_state(run_dir: &Path, entry: &ProblemEntry) -> Result<()> {
    let before = TaskState::read(run_dir);
    let state = TaskState {
        state: match entry.status {
            Status::Done => TaskStatus::Done,
            _ => TaskStatus::Failed,
        },
        reason: entry
            .reason
            .clone()
            .filter(|_| entry.status == Status::Failed),
        job: before.as_ref().and_then(|b| b.job.clone()),
        node: before.and_then(|b| b.node),
        updated_utc: Some(utc_stamp(now_secs())),
        entry: Some(entry.clone()),
    };
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io("create", run_dir, e))?;
    write_json(&run_dir.join(TASK_FILE), &state)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
