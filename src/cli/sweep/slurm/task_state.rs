//! What an array task leaves in its run folder, `task.json`, and how a sweep folds the states
//! of finished tasks into its index (`task` runs the task and writes the state).

use super::super::index::{ProblemEntry, Status, SweepIndex};
use crate::artifacts::read_json;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file in each run folder that says where its task stands.
pub const TASK_FILE: &str = "task.json";

/// A task's state, as the script or the task left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Started (by the script); a task killed without a word stays so.
    Running,
    /// Tuned to its budget; `entry` holds the result.
    Done,
    /// Stopped by an error (`reason`).
    Failed,
    /// Stopped by TERM: scancel, its time limit or preemption.
    Cancelled,
}

/// `<run folder>/task.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// Where it stands.
    pub state: TaskStatus,
    /// Why it failed or was cancelled.
    #[serde(default)]
    pub reason: Option<String>,
    /// The array task, `JOBID_N`.
    #[serde(default)]
    pub job: Option<String>,
    /// The node it ran on.
    #[serde(default)]
    pub node: Option<String>,
    /// When this state was written, UTC `YYYYMMDD-HHMMSS`.
    #[serde(default)]
    pub updated_utc: Option<String>,
    /// The problem's sweep entry once finished (done or failed).
    #[serde(default)]
    pub entry: Option<ProblemEntry>,
}

impl TaskState {
    /// The state in `run`, if its task left one (an unreadable file reads as a failure).
    pub fn read(run: &Path) -> Option<TaskState> {
        let path = run.join(TASK_FILE);
        if !path.is_file() {
            return None;
        }
        Some(read_json(&path).unwrap_or_else(|e| TaskState {
            state: TaskStatus::Failed,
            reason: Some(format!("unreadable {TASK_FILE}: {e}")),
            job: None,
            node: None,
            updated_utc: None,
            entry: None,
        }))
    }
}

/// Folds the results of finished tasks into the index (the problems they finished become
/// done), so that a resumed or re-submitted sweep tunes only what is left.
pub fn fold(index: &mut SweepIndex, dir: &Path) {
    for p in &mut index.problems {
        let Some(state) = TaskState::read(&dir.join(&p.run)) else {
            continue;
        };
        if let (TaskStatus::Done, Some(entry)) = (state.state, state.entry) {
            if p.status != Status::Done && entry.name == p.name {
                *p = entry;
            }
        }
    }
}
