//! `evotune record`: validate (and time) every valid point of a space into a tune log.
//!
//! The log is the landscape the replay evaluator answers from, and the way to check every
//! variant of a family on the card: each row is flushed as soon as its trial ends.

use super::args::RecordArgs;
use super::bench::{tolerance_of, write_kernel};
use super::run_dir::run_dir;
use super::target::Target;
use crate::compile::{compile_all, Cache, Compiled, Compiler, Job};
use crate::eval::{
    self, EvalRequest, EvalResponse, Outcome, TimingPlan, Tolerance, Worker, WorkerSpec,
};
use crate::gpu;
use crate::progress::Progress;
use crate::space::Point;
use crate::tunelog::{TrialRecord, TuneLog};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Compiles the points in parallel, then evaluates them one by one in a watched worker.
pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    let device = gpu::detect(args.device as i32)?;
    let tolerance = tolerance_of(args.atol, args.rtol)?;
    let t = Target::on_device(&args.shape, &args.space, &device)?;
    t.require_valid_points()?;
    let points = t.points(args.limit, args.seed)?;
    let (jobs, compiled) = compile_points(args, &t, &points)?;
    let log_path = args
        .out
        .clone()
        .unwrap_or_else(|| run_dir(None, "record").join("tune").join("tune_log.csv"));
    let run_folder = log_path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let mut log = TuneLog::create(&log_path, &t.space)?;
    let mut worker = Worker::start(&WorkerSpec::this_exe(args.device)?)?;
    let progress = Progress::new(points.len() as u64, "record");
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, ((point, job), c)) in points.iter().zip(&jobs).zip(&compiled).enumerate() {
        let resp = evaluate(
            args,
            &t,
            point,
            job,
            c,
            run_folder,
            tolerance,
            &mut worker,
            i,
        )?;
        *counts.entry(resp.outcome.name()).or_default() += 1;
        log.append(&TrialRecord::measured(
            i,
            0,
            &point.config,
            Some(&c.record),
            &resp,
        ))?;
        progress.inc();
    }
    progress.finish();
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "{} points at {}: {}",
        points.len(),
        t.shape,
        summary.join(", ")
    );
    println!("wrote {}", log_path.display());
    Ok(())
}

fn compile_points(
    args: &RecordArgs,
    t: &Target,
    points: &[Point],
) -> anyhow::Result<(Vec<Job>, Vec<Compiled>)> {
    let jobs = t.jobs(points)?;
    let cache = Cache::new(args.cache_dir.clone().unwrap_or_else(Cache::default_dir));
    let compiler = Compiler::new(&t.limits.arch_name(), Some(cache))?;
    let progress = Progress::new(jobs.len() as u64, "compile");
    let compiled = compile_all(&compiler, &jobs, |_| progress.inc())?;
    progress.finish();
    Ok((jobs, compiled))
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    args: &RecordArgs,
    t: &Target,
    point: &Point,
    job: &Job,
    c: &Compiled,
    run_folder: &Path,
    tolerance: Tolerance,
    worker: &mut Worker,
    trial: usize,
) -> anyhow::Result<EvalResponse> {
    let id = trial as u64;
    let Some(cubin) = &c.cubin else {
        return Ok(EvalResponse::failed(
            id,
            Outcome::CompileFailed {
                log: c.record.log.clone(),
            },
        ));
    };
    let cubin = write_kernel(run_folder, &c.record.key[..16], &job.source, cubin)?;
    let timing = (!args.no_timing).then_some(TimingPlan {
        warmup: 10,
        reps: args.reps.max(100),
        flush_l2: true,
        target_s: args.timing_seconds,
    });
    let req = EvalRequest {
        id,
        label: job.label.clone(),
        kernel: job.kernel.clone(),
        cubin,
        launch: eval::launch_for(&t.space, point)?,
        shape: t.shape,
        seed: args.seed,
        tolerance,
        timing,
        dump: None,
    };
    Ok(worker.evaluate(&req, Duration::from_secs(args.timeout)))
}
