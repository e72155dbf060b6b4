//! The problems of a sweep folder for the multi-shape report: its `sweep.json` (with the
//! results that Slurm tasks left in their run folders folded in, as a resumed sweep would),
//! each done problem read from its run folder, failed ones kept with their reasons.

use super::multi::publish;
use crate::cli::inputs::flagged;
use crate::cli::sweep::index::{ProblemEntry, Status, SweepIndex, INDEX_FILE};
use crate::cli::sweep::slurm::task_state::{self, TaskState, TaskStatus};
use crate::error::{Error, Result};
use crate::op::ProblemSpec;
use crate::report::multi::ProblemResult;
use crate::report::RunData;
use std::path::Path;

/// The report of the sweep in `dir`, written to `out` or `dir/report.md`.
pub fn run(dir: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let problems = problems(dir)?;
    let source = vec![format!(
        "Sweep folder `{}`: its {INDEX_FILE} and the run folder of each problem.",
        dir.display()
    )];
    let (path, flag) = match out {
        Some(out) => (out.to_path_buf(), "--out"),
        None => (dir.join("report.md"), "--sweep"),
    };
    publish(&problems, source, &path, flag)
}

/// Every problem of the sweep, in its order.
pub fn problems(dir: &Path) -> Result<Vec<ProblemResult>> {
    if !dir.join(INDEX_FILE).is_file() {
        return Err(Error::flag(
            "--sweep",
            format!(
                "{} is not a sweep folder (it has no {INDEX_FILE})",
                dir.display()
            ),
        ));
    }
    let mut index = SweepIndex::read(dir).map_err(|e| Error::flag("--sweep", e.to_string()))?;
    task_state::fold(&mut index, dir);
    index.problems.iter().map(|p| problem(dir, p)).collect()
}

fn problem(dir: &Path, entry: &ProblemEntry) -> Result<ProblemResult> {
    let problem = entry.problem().map_err(|e| {
        let index = dir.join(INDEX_FILE);
        Error::flag(
            "--sweep",
            format!(
                "{}: problem {}: {}",
                index.display(),
                entry.name,
                flagged(e)
            ),
        )
    })?;
    let run = dir.join(&entry.run);
    Ok(match entry.status {
        Status::Done => ProblemResult::from_run(&RunData::load(&run), problem),
        Status::Failed => ProblemResult::failed(problem, reason(entry)),
        Status::Pending => not_finished(problem, TaskState::read(&run)),
    })
}

fn reason(entry: &ProblemEntry) -> String {
    entry
        .reason
        .clone()
        .unwrap_or_else(|| "no reason recorded".into())
}

/// A pending problem: failed or cancelled when its Slurm task says so, else not tuned yet.
fn not_finished(shape: ProblemSpec, task: Option<TaskState>) -> ProblemResult {
    let why = |t: &TaskState| {
        t.reason
            .clone()
            .unwrap_or_else(|| "no reason recorded".into())
    };
    match task {
        Some(t) if t.state == TaskStatus::Failed => ProblemResult::failed(shape, why(&t)),
        Some(t) if t.state == TaskStatus::Cancelled => {
            ProblemResult::failed(shape, format!("cancelled: {}", why(&t)))
        }
        Some(t) if t.state == TaskStatus::Running => {
            ProblemResult::missing(shape, "its Slurm task is running (or was lost)")
        }
        _ => ProblemResult::missing(shape, "pending: not tuned yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(state: TaskStatus, reason: Option<&str>) -> Option<TaskState> {
        Some(TaskState {
            state,
            reason: reason.map(str::to_string),
            job: None,
            node: None,
            updated_utc: None,
            entry: None,
        })
    }

    #[test]
    fn a_pending_problem_takes_the_word_of_its_slurm_task() {
        let shape = crate::shape::Shape::dense(2, 8, 512, 64).into();
        let failed = not_finished(shape, state(TaskStatus::Failed, Some("out of memory")));
        assert_eq!(failed, ProblemResult::failed(shape, "out of memory"));
        let cancelled = not_finished(shape, state(TaskStatus::Cancelled, Some("time limit")));
        assert_eq!(
            cancelled,
            ProblemResult::failed(shape, "cancelled: time limit")
        );
        let pending = not_finished(shape, None);
        assert_eq!(
            pending,
            ProblemResult::missing(shape, "pending: not tuned yet")
        );
    }
}
