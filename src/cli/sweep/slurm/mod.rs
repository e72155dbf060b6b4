//! `evotune sweep --slurm`: the sweep as a Slurm job array, one task per problem without a
//! finished result. Each task runs this evotune binary on the GPU Slurm gave it, into its own
//! run folder and its own database shard on the shared file system; `--status` says where
//! every problem stands and `evotune db merge <sweep>/shards` gathers the results.

pub mod flags;
mod queue;
mod record;
mod sbatch;
mod script;
pub mod standing;
pub mod task;
pub mod task_state;

pub use flags::{SlurmFlags, SlurmOptions};

use super::index::SweepIndex;
use super::plan::SweepPlan;
use crate::cli::run_dir::utc_stamp;
use crate::error::{Error, Result};
use record::{slurm_dir, SlurmRecord, Submission};
use std::path::{Path, PathBuf};

/// The options of this submission, checked before anything is written.
pub fn options(plan: &SweepPlan, flags: &SlurmFlags) -> Result<SlurmOptions> {
    let options = flags.options(&SlurmRecord::read(&plan.dir)?.options)?;
    check_devices(&plan.index.settings.devices, &options)?;
    Ok(options)
}

/// Writes the script of the problems left to tune and submits it (unless a dry run).
pub fn submit(plan: &SweepPlan, flags: &SlurmFlags, options: SlurmOptions) -> anyhow::Result<()> {
    let dir = std::path::absolute(&plan.dir).map_err(|e| Error::io("resolve", &plan.dir, e))?;
    let mut record = SlurmRecord::read(&dir)?;
    let tasks = left_to_submit(&dir, &plan.index)?;
    if tasks.is_empty() {
        println!(
            "nothing to submit: every problem of {} is done or in Slurm's hands \
             (evotune sweep --status {0})",
            dir.display()
        );
        return Ok(());
    }
    let script = write_script(plan, &dir, &tasks, &options)?;
    let array = script::array_spec(&tasks, options.max_parallel);
    let s = if tasks.len() == 1 { "" } else { "s" };
    println!(
        "wrote {} (array {array}: {} problem{s})",
        script.display(),
        tasks.len()
    );
    if flags.slurm_dry_run {
        println!("dry run: submit it with `sbatch {}`", script.display());
        return Ok(());
    }
    let job_id = sbatch::submit(&script)?;
    record.options = options;
    record.jobs.push(Submission {
        job_id: job_id.clone(),
        tasks: tasks.clone(),
        submitted_utc: utc_stamp(now_secs()),
    });
    record.write(&dir)?;
    announce(plan, &dir, &job_id, &tasks);
    Ok(())
}

/// The problems without a finished result that Slurm does not hold already.
fn left_to_submit(dir: &Path, index: &SweepIndex) -> Result<Vec<usize>> {
    let s = standing::gather(dir, index)?;
    Ok(s.problems
        .iter()
        .enumerate()
        .filter(|(_, p)| p.standing != standing::Standing::Done && !p.in_slurm)
        .map(|(i, _)| i)
        .collect())
}

fn write_script(
    plan: &SweepPlan,
    dir: &Path,
    tasks: &[usize],
    options: &SlurmOptions,
) -> Result<PathBuf> {
    let path = slurm_dir(dir).join("sweep.sbatch");
    let binary = std::env::current_exe()
        .map_err(|e| Error::Other(format!("cannot find evotune's own path: {e}")))?;
    let workdir =
        std::env::current_dir().map_err(|e| Error::Other(format!("no working folder: {e}")))?;
    let cache_dir = match &plan.cache_dir {
        Some(c) => Some(std::path::absolute(c).map_err(|e| Error::io("resolve", c, e))?),
        None => None,
    };
    let written = utc_stamp(now_secs());
    let text = script::render(&script::ScriptSpec {
        sweep_dir: dir,
        script: &path,
        binary: &binary,
        workdir: &workdir,
        index: &plan.index,
        tasks,
        options,
        shards: !plan.db.no_db,
        cache_dir: cache_dir.as_deref(),
        replay_delay_ms: plan.replay_delay_ms,
        written_utc: &written,
    })?;
    let logs = script::log_dir(dir);
    std::fs::create_dir_all(&logs).map_err(|e| Error::io("create", &logs, e))?;
    crate::compile::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// A device ordinal past the GPUs each task gets would fail on every node: said up front.
fn check_devices(devices: &[u32], options: &SlurmOptions) -> Result<()> {
    let (Some(gpus), Some(&max)) = (options.gpus_per_task, devices.iter().max()) else {
        return Ok(());
    };
    if max >= gpus {
        return Err(Error::flag(
            "--devices",
            format!(
                "names GPU {max}, but each task gets {gpus} (--gpus-per-task), seen as 0..{}",
                gpus - 1
            ),
        ));
    }
    Ok(())
}

fn announce(plan: &SweepPlan, dir: &Path, job_id: &str, tasks: &[usize]) {
    let names: Vec<&str> = tasks
        .iter()
        .map(|&i| plan.index.problems[i].name.as_str())
        .collect();
    let s = if tasks.len() == 1 { "" } else { "s" };
    println!(
        "submitted job array {job_id}: {} task{s} ({})",
        tasks.len(),
        names.join(" ")
    );
    println!(
        "  where each problem stands:  evotune sweep --status {}",
        dir.display()
    );
    if !plan.db.no_db {
        let into = match &plan.db.db {
            Some(db) => format!("--db {} ", db.display()),
            None => String::new(),
        };
        println!(
            "  gather the results:         evotune db merge {into}{}/shards",
            dir.display()
        );
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
