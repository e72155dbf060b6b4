//! How the index, a task's state and Slurm's word combine into one standing.

use super::*;
use std::path::PathBuf;

fn entry(status: Status) -> ProblemEntry {
    ProblemEntry {
        name: "2-8-512-64".into(),
        operation: crate::op::Operation::Sdpa,
        shape: "2,8,512,64".into(),
        budget: 16,
        set: vec![],
        status,
        run: PathBuf::from("2-8-512-64"),
        best_p50_us: (status == Status::Done).then_some(8.25),
        best_config: None,
        trials: Some(16),
        failures: Some(0),
        reason: (status == Status::Failed).then(|| "no log".into()),
        finished_utc: None,
        answers_recorded_on: None,
    }
}

fn task(state: TaskStatus, reason: Option<&str>) -> TaskState {
    TaskState {
        state,
        reason: reason.map(String::from),
        job: Some("41_0".into()),
        node: Some("n1".into()),
        updated_utc: None,
        entry: (state == TaskStatus::Done).then(|| entry(Status::Done)),
    }
}

fn queued(state: &str, reason: Option<&str>) -> QueuedTask {
    QueuedTask {
        array_job: "41".into(),
        index: 0,
        state: state.into(),
        reason: reason.map(String::from),
        node: Some("n1".into()),
    }
}

#[test]
fn a_finished_result_wins_over_everything() {
    let done = task(TaskStatus::Done, None);
    let s = standing(
        &entry(Status::Pending),
        Some(&done),
        Some(&queued("COMPLETED", None)),
        true,
    );
    assert_eq!(s.standing, Standing::Done);
    assert_eq!(s.detail, "best 8.25 µs in 16 trials (0 failed)");
    let s = standing(&entry(Status::Done), None, None, false);
    assert_eq!(s.standing, Standing::Done);
}

#[test]
fn slurm_says_whether_a_live_task_waits_or_runs() {
    let running = task(TaskStatus::Running, None);
    let s = standing(
        &entry(Status::Pending),
        Some(&running),
        Some(&queued("RUNNING", None)),
        true,
    );
    assert_eq!((s.standing, s.in_slurm), (Standing::Running, true));
    assert_eq!(s.detail, "41_0 on n1: RUNNING");
    let q = queued("PENDING", Some("JobArrayTaskLimit"));
    let s = standing(&entry(Status::Pending), None, Some(&q), true);
    assert_eq!((s.standing, s.in_slurm), (Standing::Pending, true));
    assert_eq!(s.detail, "queued as 41_0: PENDING (JobArrayTaskLimit)");
}

#[test]
fn a_cancelled_task_fails_with_its_reason_and_slurms_state() {
    let t = task(TaskStatus::Cancelled, Some("received SIGTERM"));
    let s = standing(
        &entry(Status::Pending),
        Some(&t),
        Some(&queued("CANCELLED by 0", None)),
        true,
    );
    assert_eq!((s.standing, s.in_slurm), (Standing::Failed, false));
    assert_eq!(
        s.detail,
        "cancelled: received SIGTERM [Slurm: 41_0 CANCELLED by 0]"
    );
}

#[test]
fn a_running_task_slurm_has_let_go_of_was_lost_unless_slurm_is_silent() {
    let t = task(TaskStatus::Running, None);
    let lost = standing(
        &entry(Status::Pending),
        Some(&t),
        Some(&queued("NODE_FAIL", None)),
        true,
    );
    assert_eq!(lost.standing, Standing::Failed);
    assert!(
        lost.detail
            .starts_with("its task 41_0 stopped without leaving a reason"),
        "{}",
        lost.detail
    );
    let silent = standing(&entry(Status::Pending), Some(&t), None, false);
    assert_eq!(silent.standing, Standing::Running);
    assert!(
        silent.detail.contains("squeue unavailable"),
        "{}",
        silent.detail
    );
}

#[test]
fn without_a_task_the_index_speaks() {
    let s = standing(&entry(Status::Failed), None, None, true);
    assert_eq!(
        (s.standing, s.detail.as_str()),
        (Standing::Failed, "failed: no log")
    );
    let s = standing(&entry(Status::Pending), None, None, true);
    assert_eq!(
        (s.standing, s.detail.as_str()),
        (Standing::Pending, "not started")
    );
}

#[test]
fn job_ids_come_from_the_record_and_from_task_states() {
    let record = SlurmRecord {
        jobs: vec![super::super::record::Submission {
            job_id: "40".into(),
            tasks: vec![0],
            submitted_utc: String::new(),
        }],
        ..SlurmRecord::default()
    };
    let mut by_hand = task(TaskStatus::Running, None);
    by_hand.job = Some("41_2".into());
    let mut local = task(TaskStatus::Running, None);
    local.job = Some("local_1".into());
    let ids = job_ids(&record, &[Some(by_hand), None, Some(local)]);
    assert_eq!(ids, ["40", "41"]);
}
