//! Where each problem of a sweep stands — done, running, failed or pending — from sweep.json,
//! the task states in the run folders and what Slurm says of the array tasks.

use super::super::index::{ProblemEntry, Status, SweepIndex};
use super::queue::{self, QueuedTask, StateKind};
use super::record::SlurmRecord;
use super::task_state::{TaskState, TaskStatus};
use std::collections::BTreeMap;
use std::path::Path;

/// The four answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A finished result.
    Done,
    /// A task is tuning it.
    Running,
    /// Stopped without a result (error, cancellation, time limit, lost task).
    Failed,
    /// Not started: queued in Slurm, or not submitted.
    Pending,
}

impl Standing {
    /// Its name in the status table.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Done => "done",
            Standing::Running => "running",
            Standing::Failed => "failed",
            Standing::Pending => "pending",
        }
    }
}

/// One problem's standing and what to say of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemStanding {
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub standing: Standing,
    /// The reason, the job, the best result.
    pub detail: String,
    /// Whether Slurm holds a live task for it (queued or running): not to submit again.
    pub in_slurm: bool,
}

/// What is known of a whole sweep.
pub struct SweepStanding {
    /// Each problem, in sweep.json's order.
    pub problems: Vec<ProblemStanding>,
    /// Whether squeue answered (without it, a "running" task cannot be told from a lost one).
    pub slurm_answered: bool,
}

/// Gathers the standing of the sweep in `dir`.
pub fn gather(dir: &Path, index: &SweepIndex) -> crate::error::Result<SweepStanding> {
    let states: Vec<Option<TaskState>> = index
        .problems
        .iter()
        .map(|p| TaskState::read(&dir.join(&p.run)))
        .collect();
    let jobs = job_ids(&SlurmRecord::read(dir)?, &states);
    let queue = queue::tasks(&jobs);
    let problems = index
        .problems
        .iter()
        .zip(&states)
        .enumerate()
        .map(|(i, (p, s))| {
            let q = queue.as_ref().and_then(|q: &BTreeMap<_, _>| q.get(&i));
            standing(p, s.as_ref(), q, queue.is_some())
        })
        .collect();
    Ok(SweepStanding {
        problems,
        slurm_answered: queue.is_some(),
    })
}

/// The recorded submissions, then any job a task state names (a script submitted by hand).
fn job_ids(record: &SlurmRecord, states: &[Option<TaskState>]) -> Vec<String> {
    let mut ids = record.job_ids();
    let named = states.iter().flatten().filter_map(|s| s.job.as_deref());
    for job in named.filter_map(|j| j.split_once('_').map(|(id, _)| id)) {
        if job.chars().all(|c| c.is_ascii_digit()) && !ids.iter().any(|i| i == job) {
            ids.push(job.to_string());
        }
    }
    ids
}

/// One problem's standing: a finished result first, then Slurm's word on a live task, then
/// what the task left in its run folder, then sweep.json.
pub fn standing(
    entry: &ProblemEntry,
    task: Option<&TaskState>,
    queued: Option<&QueuedTask>,
    slurm_answered: bool,
) -> ProblemStanding {
    let make = |standing, detail: String, in_slurm| ProblemStanding {
        name: entry.name.clone(),
        standing,
        detail,
        in_slurm,
    };
    if let Some(done) = done_entry(entry, task) {
        return make(Standing::Done, super::super::done_text(done), false);
    }
    match queued.map(|q| (q, q.kind())) {
        Some((q, StateKind::Waiting)) => {
            let why = q
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            return make(
                Standing::Pending,
                format!("queued as {}: {}{why}", q.id(), q.state),
                true,
            );
        }
        Some((q, StateKind::Active)) => {
            let on = q
                .node
                .as_deref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default();
            return make(
                Standing::Running,
                format!("{}{on}: {}", q.id(), q.state),
                true,
            );
        }
        _ => {}
    }
    let slurm = queued
        .map(|q| format!(" [Slurm: {} {}]", q.id(), q.state))
        .unwrap_or_default();
    match task.map(|t| (t, t.state)) {
        Some((t, TaskStatus::Failed | TaskStatus::Cancelled)) => {
            let what = if t.state == TaskStatus::Cancelled {
                "cancelled"
            } else {
                "failed"
            };
            let reason = t.reason.as_deref().unwrap_or("no reason given");
            make(Standing::Failed, format!("{what}: {reason}{slurm}"), false)
        }
        Some((t, TaskStatus::Running)) if slurm_answered => make(
            Standing::Failed,
            format!(
                "its task {} stopped without leaving a reason (killed, or its node lost){slurm}",
                t.job.as_deref().unwrap_or("?")
            ),
            false,
        ),
        Some((t, TaskStatus::Running)) => make(
            Standing::Running,
            format!(
                "{} says running (Slurm not asked: squeue unavailable)",
                t.job.as_deref().unwrap_or("task")
            ),
            false,
        ),
        _ => from_index(entry, &slurm, make),
    }
}

/// The finished entry, from sweep.json or from the task's state.
fn done_entry<'a>(
    entry: &'a ProblemEntry,
    task: Option<&'a TaskState>,
) -> Option<&'a ProblemEntry> {
    if entry.status == Status::Done {
        return Some(entry);
    }
    let t = task.filter(|t| t.state == TaskStatus::Done)?;
    t.entry.as_ref().filter(|e| e.status == Status::Done)
}

fn from_index(
    entry: &ProblemEntry,
    slurm: &str,
    make: impl Fn(Standing, String, bool) -> ProblemStanding,
) -> ProblemStanding {
    match entry.status {
        Status::Failed => make(
            Standing::Failed,
            format!(
                "failed: {}{slurm}",
                entry.reason.as_deref().unwrap_or("unknown")
            ),
            false,
        ),
        _ if !slurm.is_empty() => make(
            Standing::Failed,
            format!("its task ended without a word{slurm}"),
            false,
        ),
        _ => make(Standing::Pending, "not started".into(), false),
    }
}

#[cfg(test)]
mod tests;
