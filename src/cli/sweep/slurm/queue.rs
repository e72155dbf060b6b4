//! What Slurm says of a sweep's array tasks: `squeue` (queued, running, and finished ones
//! until Slurm forgets them) and `sacct` (finished ones, where accounting is on). Either may
//! be missing; the run folders then speak alone.

use std::collections::BTreeMap;
use std::process::Command;

/// One array task as Slurm reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTask {
    /// The array job, e.g. `1234`.
    pub array_job: String,
    /// The task's index in the array (its problem's index in sweep.json).
    pub index: usize,
    /// Slurm's state, e.g. `PENDING`, `RUNNING`, `CANCELLED`.
    pub state: String,
    /// Why it is pending, or what ended it, when Slurm says (`None` omitted).
    pub reason: Option<String>,
    /// Its node, once it has one.
    pub node: Option<String>,
}

/// Slurm's states, in three kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    /// Waiting for resources, or requeued.
    Waiting,
    /// Running (or finishing).
    Active,
    /// Over: completed, failed, cancelled, timed out, lost...
    Ended,
}

impl QueuedTask {
    /// The kind of its state.
    pub fn kind(&self) -> StateKind {
        let state = self.state.split_whitespace().next().unwrap_or("");
        match state {
            "PENDING" | "REQUEUED" | "REQUEUE_FED" | "REQUEUE_HOLD" | "RESV_DEL_HOLD"
            | "SUSPENDED" | "STOPPED" | "RESIZING" => StateKind::Waiting,
            "RUNNING" | "CONFIGURING" | "COMPLETING" | "SIGNALING" | "STAGE_OUT" => {
                StateKind::Active
            }
            _ => StateKind::Ended,
        }
    }

    /// `1234_5`.
    pub fn id(&self) -> String {
        format!("{}_{}", self.array_job, self.index)
    }
}

/// The array tasks of `jobs` by index; when several jobs hold an index, the latest listed
/// job's. `None` when squeue is missing or fails (Slurm not reachable). squeue lists the
/// user's jobs (a job id Slurm has forgotten would make `squeue --jobs` fail).
pub fn tasks(jobs: &[String]) -> Option<BTreeMap<usize, QueuedTask>> {
    if jobs.is_empty() {
        return Some(BTreeMap::new());
    }
    let squeue = run(
        "squeue",
        &[
            "--me",
            "--array",
            "--states=all",
            "--noheader",
            "--format=%F|%K|%T|%r|%N",
        ],
    )?;
    let sacct = run(
        "sacct",
        &[
            "--noheader",
            "--parsable2",
            "--allocations",
            "--format=JobID,State,NodeList",
            "--jobs",
            &jobs.join(","),
        ],
    );
    let mut found: Vec<QueuedTask> = sacct.as_deref().map(parse_sacct).unwrap_or_default();
    found.extend(parse_squeue(&squeue));
    found.retain(|t| jobs.contains(&t.array_job));
    Some(latest_by_index(found, jobs))
}

/// squeue says what it still knows; sacct fills in what it forgot. For each index the task
/// of the latest job in `jobs` wins, squeue's word over sacct's.
fn latest_by_index(found: Vec<QueuedTask>, jobs: &[String]) -> BTreeMap<usize, QueuedTask> {
    let rank = |t: &QueuedTask| jobs.iter().position(|j| *j == t.array_job);
    let mut out: BTreeMap<usize, QueuedTask> = BTreeMap::new();
    for t in found {
        let newer = out.get(&t.index).is_none_or(|o| rank(&t) >= rank(o));
        if newer {
            out.insert(t.index, t);
        }
    }
    out
}

/// Runs a Slurm client; its stdout when it ran and succeeded (sacct fails where accounting
/// is off).
fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Parses `squeue --array --format=%F|%K|%T|%r|%N` lines.
pub fn parse_squeue(text: &str) -> Vec<QueuedTask> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.trim().split('|').collect();
            let [job, index, state, reason, node] = f[..] else {
                return None;
            };
            Some(QueuedTask {
                array_job: job.to_string(),
                index: index.parse().ok()?,
                state: state.to_string(),
                reason: some(reason),
                node: some(node),
            })
        })
        .collect()
}

/// Parses `sacct --parsable2 --allocations --format=JobID,State,NodeList` lines; only array
/// tasks (`JOB_N`) count: a pending array's `JOB_[1-3]` line is squeue's to tell.
pub fn parse_sacct(text: &str) -> Vec<QueuedTask> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.trim().split('|').collect();
            let [id, state, node] = f[..] else {
                return None;
            };
            let (job, index) = id.split_once('_')?;
            Some(QueuedTask {
                array_job: job.to_string(),
                index: index.parse().ok()?,
                state: state.to_string(),
                reason: None,
                node: some(node).filter(|n| n != "None assigned"),
            })
        })
        .collect()
}

fn some(field: &str) -> Option<String> {
    let f = field.trim();
    (!f.is_empty() && f != "None" && f != "(null)").then(|| f.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeue_lines_become_tasks_of_each_kind() {
        let text = "7|2|PENDING|JobArrayTaskLimit|\n7|0|RUNNING|None|gpu01\n\
                    7|1|CANCELLED|None|gpu02\nnot a line\n";
        let t = parse_squeue(text);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].reason.as_deref(), Some("JobArrayTaskLimit"));
        assert_eq!(t[0].node, None);
        assert_eq!(t[1].node.as_deref(), Some("gpu01"));
        let kinds: Vec<StateKind> = t.iter().map(QueuedTask::kind).collect();
        assert_eq!(
            kinds,
            [StateKind::Waiting, StateKind::Active, StateKind::Ended]
        );
        assert_eq!(t[2].id(), "7_1");
    }

    #[test]
    fn sacct_keeps_array_tasks_and_reads_cancelled_by() {
        let text = "9_[3-4%2]|PENDING|None assigned\n9_0|COMPLETED|n1\n9_1|CANCELLED by 0|n2\n12|FAILED|n1\n";
        let t = parse_sacct(text);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].state, "CANCELLED by 0");
        assert_eq!(t[1].kind(), StateKind::Ended);
    }

    #[test]
    fn the_latest_job_holding_an_index_wins() {
        let jobs = vec!["7".to_string(), "9".to_string()];
        let old = parse_squeue("7|1|CANCELLED|None|n\n7|0|COMPLETED|None|n");
        let new = parse_squeue("9|1|RUNNING|None|n");
        let mut found = new;
        found.extend(old);
        let by = latest_by_index(found, &jobs);
        assert_eq!(by[&1].state, "RUNNING");
        assert_eq!(by[&0].state, "COMPLETED");
    }
}
