//! `evotune sweep`: tune many problems in one command, one normal run folder each under the
//! sweep folder, with a `sweep.json` index that says where each stands; a killed sweep resumes
//! where it stopped, and one failing problem is recorded while the others go on. With
//! `--slurm` the problems go to a Slurm job array instead; `--status` shows where each stands.

mod args;
mod campaign;
mod gemms;
mod grid;
pub(super) mod index;
mod plan;
mod problem;
pub(super) mod slurm;
mod status;

pub use args::SweepArgs;

use crate::cli::db::{check_recordable, record_run};
use crate::error::Error;
use crate::progress::{Progress, ProgressGroup};
use index::{ProblemEntry, Status};
use plan::SweepPlan;

/// Shows a sweep's status; or checks every input, writes the index, then tunes each problem
/// not yet done here, or submits them to Slurm, or (a Slurm array task) tunes one of them.
pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.status {
        return Ok(status::run(dir)?);
    }
    check_slurm_flags(args)?;
    let plan = SweepPlan::resolve(args)?;
    if args.slurm.wanted() && args.task.is_none() {
        let options = slurm::options(&plan, &args.slurm)?;
        plan.index.write(&plan.dir)?;
        return slurm::submit(&plan, &args.slurm, options);
    }
    check_database(&plan)?;
    if let Some(i) = args.task {
        return slurm::task::run(&plan, i);
    }
    check_gpus(&plan)?;
    plan.index.write(&plan.dir)?;
    run_here(plan)
}

/// A sweep run here on the GPU needs its GPUs before it writes anything: without them every
/// problem would only fail and leave a folder of failures (a replayed sweep needs none).
fn check_gpus(plan: &SweepPlan) -> crate::error::Result<()> {
    let s = &plan.index.settings;
    if s.replay.is_some() || s.replay_dir.is_some() {
        return Ok(());
    }
    crate::cli::tune::devices(&s.devices)?
        .into_iter()
        .try_for_each(|d| crate::gpu::detect(d as i32).map(drop))
}

/// The database the problems are recorded in must be writable before any is tuned (a Slurm
/// submission records nothing itself: each task checks its own shard).
fn check_database(plan: &SweepPlan) -> crate::error::Result<()> {
    let s = &plan.index.settings;
    let replayed = s.replay.is_some() || s.replay_dir.is_some();
    let problems = &plan.index.problems;
    let all_stand_in = problems.iter().all(|p| p.answers_recorded_on.is_some());
    check_recordable(&plan.db, replayed, all_stand_in)
}

/// Slurm options need --slurm; a warm start would read each task's empty shard.
fn check_slurm_flags(args: &SweepArgs) -> crate::error::Result<()> {
    if let Some(flag) = args.slurm.stray() {
        return Err(Error::flag(flag, "needs --slurm (or --slurm-dry-run)"));
    }
    if args.slurm.wanted() && args.warm_start {
        return Err(Error::flag(
            "--warm-start",
            "is not available with --slurm: each task records into its own database shard, \
             which holds no neighbours to start from",
        ));
    }
    Ok(())
}

/// Tunes the problems not yet done, one after another, on this machine.
fn run_here(mut plan: SweepPlan) -> anyhow::Result<()> {
    let view = View::start(&plan);
    for i in 0..plan.index.problems.len() {
        if plan.index.problems[i].status == Status::Done {
            continue;
        }
        let mut entry = problem::run(&plan, &plan.index.problems[i], &view.group);
        view.finished(i, &entry, plan.index.problems.len());
        record(&plan, &mut entry, &view.group);
        plan.index.problems[i] = entry;
        plan.index.write(&plan.dir)?;
    }
    view.end();
    summarize(&plan);
    let failed: Vec<&str> = plan
        .index
        .problems
        .iter()
        .filter(|p| p.status == Status::Failed)
        .map(|p| p.name.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::Other(format!(
        "{} of {} problems failed ({}); their reasons are in {}",
        failed.len(),
        plan.index.problems.len(),
        failed.join(", "),
        plan.dir.join(index::INDEX_FILE).display()
    ))
    .into())
}

/// The campaign's progress: a bar of problems above the bar of the one being tuned, and a
/// line per finished problem (the only output without a terminal).
struct View {
    group: ProgressGroup,
    bar: Progress,
}

impl View {
    fn start(plan: &SweepPlan) -> View {
        let group = ProgressGroup::new();
        let n = plan.index.problems.len();
        let done = plan.index.count(Status::Done);
        group.println(&format!(
            "sweep of {n} problems into {}: {done} done before, {} to tune",
            plan.dir.display(),
            n - done
        ));
        if let Some(line) = stand_in_line(plan) {
            group.println(&line);
        }
        let bar = group.bar(n as u64, "sweep");
        for _ in 0..done {
            bar.inc();
        }
        View { group, bar }
    }

    fn finished(&self, i: usize, entry: &ProblemEntry, n: usize) {
        self.bar.inc();
        self.group
            .println(&format!("[{}/{n}] {}", i + 1, entry_line(entry)));
    }

    fn end(&self) {
        self.group.remove(&self.bar);
    }
}

/// "answers: every problem from LOG, recorded on 2,8,512,64; for 1-8-512-64 they stand in ...",
/// when one log answers problems it was not recorded on.
fn stand_in_line(plan: &SweepPlan) -> Option<String> {
    let s = &plan.index.settings;
    let (log, recorded) = (s.replay.as_ref()?, s.replay_recorded_on?);
    let others: Vec<&str> = plan
        .index
        .problems
        .iter()
        .filter(|p| p.answers_recorded_on.is_some())
        .map(|p| p.name.as_str())
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "answers: every problem from {}, recorded on {recorded}; for {} they stand in (its \
         measurements, not theirs: a test or demo; each run's manifest says so)",
        log.display(),
        others.join(", ")
    ))
}

/// Records a done problem in the tuning database the sweep records in; a failure to record is
/// kept in its reason (the tuning itself stands).
fn record(plan: &SweepPlan, entry: &mut ProblemEntry, group: &ProgressGroup) {
    if entry.status != Status::Done {
        return;
    }
    match record_run(&plan.dir.join(&entry.run), &plan.db) {
        Ok(Some(line)) => group.println(&format!("      {line}")),
        Ok(None) => {}
        Err(e) => {
            let line = format!("not recorded in the tuning database: {e}");
            group.println(&format!("      {line}"));
            entry.reason = Some(line);
        }
    }
}

/// "2-8-512-64 done: best 8.21 µs in 64 trials (3 failed)" or "... failed: <reason>"; a done
/// problem answered by another's log adds ", answers recorded on <that problem>".
fn entry_line(e: &ProblemEntry) -> String {
    let stand_in = e
        .answers_recorded_on
        .map_or(String::new(), |r| format!(", answers recorded on {r}"));
    match e.status {
        Status::Done => format!("{} done: {}{stand_in}", e.name, done_text(e)),
        Status::Failed => format!(
            "{} failed: {}",
            e.name,
            e.reason.as_deref().unwrap_or("unknown")
        ),
        Status::Pending => format!("{} pending", e.name),
    }
}

/// "best 8.21 µs in 64 trials (3 failed)", or the note of a done problem without a best.
fn done_text(e: &ProblemEntry) -> String {
    match e.best_p50_us {
        Some(p50) => format!(
            "best {p50:.2} µs in {} trials ({} failed)",
            e.trials.unwrap_or(0),
            e.failures.unwrap_or(0)
        ),
        None => e.reason.clone().unwrap_or_default(),
    }
}

fn summarize(plan: &SweepPlan) {
    let ix = &plan.index;
    println!(
        "swept {} problems: {} done, {} failed, {} pending",
        ix.problems.len(),
        ix.count(Status::Done),
        ix.count(Status::Failed),
        ix.count(Status::Pending)
    );
    for p in &ix.problems {
        let best = p.best_config.as_deref().unwrap_or("");
        println!("  {:<40} {best}", entry_line(p));
    }
    println!("wrote {}", plan.dir.join(index::INDEX_FILE).display());
}
