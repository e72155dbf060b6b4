//! `evotune record`: validate (and time) every valid point of a space into a tune log.
//!
//! The log is the landscape the replay evaluator answers from, and the way to check every
//! variant of a family on the card. The points go through the tuner's live evaluator (compiles
//! on every core overlapped with the GPU work); each row is flushed as soon as its point ends.

use super::args::RecordArgs;
use super::bench::tolerance_of;
use super::run_dir::run_dir;
use super::target::Target;
use crate::artifacts::RunPaths;
use crate::compile::{Cache, Compiler};
use crate::eval::TimingPlan;
use crate::evolve::SpaceIndex;
use crate::gpu;
use crate::progress::Progress;
use crate::template::Template;
use crate::tune::{Candidate, Evaluator, KernelFactory, LiveEvaluator, LiveSettings};
use crate::tunelog::TuneLog;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Checks for a GPU, then evaluates the chosen points, logging each as it ends.
pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    let device = gpu::detect(args.device as i32)?;
    let tolerance = tolerance_of(args.atol, args.rtol)?;
    let t = Target::on_device(&args.shape, &args.space, &device)?;
    t.require_valid_points()?;
    let batch = candidates(&t, args.limit, args.seed)?;
    let log_path = args
        .out
        .clone()
        .unwrap_or_else(|| RunPaths::new(&run_dir(None, "record")).tune_log());
    let mut live = evaluator(args, &t, tolerance, &run_folder(&log_path))?;
    let mut log = TuneLog::create(&log_path, &t.space)?;
    let progress = Progress::new(batch.len() as u64, "record");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    live.evaluate(&batch, &mut |e| {
        *counts.entry(e.record.outcome.clone()).or_default() += 1;
        log.append(&e.record)?;
        progress.inc();
        Ok(())
    })?;
    progress.finish();
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "{} points at {}: {}",
        batch.len(),
        t.shape,
        summary.join(", ")
    );
    println!("wrote {}", log_path.display());
    Ok(())
}

/// `limit` valid points sampled with `seed` (or all), numbered as trials of generation 0.
fn candidates(t: &Target, limit: Option<usize>, seed: u64) -> crate::Result<Vec<Candidate>> {
    let index = SpaceIndex::new(&t.space, &t.shape, &t.limits)?;
    let points = t.points(limit, seed)?;
    Ok(points
        .into_iter()
        .enumerate()
        .map(|(trial, p)| Candidate {
            trial,
            generation: 0,
            genome: index
                .genome_of(&p.config)
                .expect("a valid point is in the space"),
            config: p.config,
        })
        .collect())
}

/// The run folder of a log: `<run>` for `<run>/tune/tune_log.csv`, else the log's own folder
/// (so that `--out land.csv` never writes above the folder it names).
fn run_folder(log_path: &Path) -> PathBuf {
    let folder = match log_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (folder.file_name(), folder.parent()) {
        (Some(name), Some(run)) if name == "tune" && !run.as_os_str().is_empty() => run,
        (Some(name), _) if name == "tune" => Path::new("."),
        _ => folder,
    }
    .to_path_buf()
}

fn evaluator(
    args: &RecordArgs,
    t: &Target,
    tolerance: crate::eval::Tolerance,
    run_folder: &Path,
) -> crate::Result<LiveEvaluator> {
    let cache = Cache::new(args.cache_dir.clone().unwrap_or_else(Cache::default_dir));
    let factory = KernelFactory {
        shape: t.shape,
        limits: t.limits.clone(),
        space: t.space.clone(),
        template: Template::for_space(&t.space)?,
        compiler: Compiler::new(&t.limits.arch_name(), Some(cache))?,
    };
    let settings = LiveSettings {
        tolerance,
        timing: (!args.no_timing).then_some(TimingPlan {
            warmup: 10,
            reps: args.reps.max(100),
            flush_l2: true,
            target_s: args.timing_seconds,
        }),
        input_seed: args.seed,
        timeout: Duration::from_secs(args.timeout.max(1)),
        kernels_dir: run_folder.join("kernels"),
    };
    LiveEvaluator::start(factory, settings, &[args.device])
}

#[cfg(test)]
mod tests {
    use super::run_folder;
    use std::path::Path;

    #[test]
    fn kernels_go_to_the_run_folder_or_beside_the_log() {
        let f = |p: &str| run_folder(Path::new(p));
        assert_eq!(
            f("artifacts/r1/tune/tune_log.csv"),
            Path::new("artifacts/r1")
        );
        assert_eq!(f("tune/tune_log.csv"), Path::new("."));
        assert_eq!(f("out/land.csv"), Path::new("out"));
        assert_eq!(f("land.csv"), Path::new("."));
        assert_eq!(f("/tmp/r/v.csv"), Path::new("/tmp/r"));
    }
}
