//! `evotune record`: validate (and time) every valid point of a space into a tune log.
//!
//! The log is the landscape the replay evaluator answers from (`<log>.problem.json` beside it
//! says the problem and the GPU it was recorded on), and the way to check every variant of a
//! family on the card. The points go through the tuner's live evaluator (compiles on every core
//! overlapped with the GPU work); each row is flushed as soon as its point ends, and `--resume`
//! continues a stopped log (a long landscape is recorded over several sessions).

use super::args::RecordArgs;
use super::checks::{check_reps, check_timing_seconds, tolerance_or};
use super::run_dir::{check_file_writable, kernel_cache, run_dir};
use super::target::{
    judge_as_hopper, with_problem, CliProblem, Limits, ProblemText, Target, WithTarget,
};
use crate::artifacts::{sidecar, LogProblem, RunPaths};
use crate::compile::Compiler;
use crate::eval::{FlushMode, TimingPlan};
use crate::evolve::SpaceIndex;
use crate::gpu;
use crate::progress::Progress;
use crate::space::Point;
use crate::template::Template;
use crate::tune::{Candidate, Evaluator, KernelFactory, LiveEvaluator, LiveSettings};
use crate::tunelog::{self, TrialRecord, TuneLog};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The fewest timed repetitions per method a landscape may take (the protocol's minimum, 100,
/// is the default).
const LANDSCAPE_MIN_REPS: u32 = 10;

/// Judges the inputs as for Hopper, checks for a GPU, then evaluates the chosen points, logging
/// each as it ends.
pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    let log_path = args
        .out
        .clone()
        .unwrap_or_else(|| RunPaths::new(&run_dir(None, "record")).tune_log());
    refuse_to_overwrite(&log_path, args.resume)?;
    check_file_writable("--out", &log_path)?;
    check_timing_flags(args)?;
    let problem = ProblemText {
        shape: &args.shape,
        flags: &args.problem,
        gemm: args.gemm.as_deref(),
    };
    judge_as_hopper(problem, args.space.as_deref())?;
    let device = gpu::detect(args.device as i32)?;
    let recording = Recording {
        args,
        log_path,
        device: device.name.clone(),
    };
    with_problem(
        problem,
        args.space.as_deref(),
        Limits::Device(&device),
        recording,
    )
}

/// A record into `log_path` on the GPU named `device`.
struct Recording<'a> {
    args: &'a RecordArgs,
    log_path: PathBuf,
    device: String,
}

impl WithTarget for Recording<'_> {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        record(self.args, &self.log_path, self.device, &t)
    }
}

fn record<P: CliProblem>(
    args: &RecordArgs,
    log_path: &Path,
    device: String,
    t: &Target<P>,
) -> anyhow::Result<()> {
    let tolerance = tolerance_or(P::DEFAULT_TOLERANCE, args.atol, args.rtol)?;
    t.require_valid_points()?;
    let problem = LogProblem {
        shape: t.shape,
        device: Some(device),
    };
    let (mut log, done) = start_log(log_path, &t.space, &problem, args.resume)?;
    let batch = remaining(candidates(t, args.limit, args.seed)?, &done);
    if !done.is_empty() {
        eprintln!(
            "record: {} points already in {}, {} to go",
            done.len(),
            log_path.display(),
            batch.len()
        );
    }
    let mut live = evaluator(args, t, tolerance, &run_folder(log_path))?;
    let progress = Progress::new(batch.len() as u64, "record");
    let started = std::time::Instant::now();
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
    println!(
        "{}",
        time_split(live.wall(), started.elapsed().as_secs_f64())
    );
    if !live.steps().is_empty() {
        println!("     {}", steps_text(live.steps()));
    }
    println!("wrote {}", log_path.display());
    Ok(())
}

/// "time 12.0 s in all; GPU: validation 3.1 s, timing 8.2 s; NVRTC 40.2 s summed over cores,
/// overlapped (3 variants cached)".
fn time_split(w: crate::artifacts::WallTimes, total_s: f64) -> String {
    format!("time {total_s:.1} s in all; {}", w.gpu_split())
}

/// "by step: check 1.2 s, load 0.1 s, ..." (the workers' time, summed over points).
fn steps_text(steps: &BTreeMap<String, f64>) -> String {
    let parts: Vec<String> = steps.iter().map(|(k, s)| format!("{k} {s:.1} s")).collect();
    format!("by step: {}", parts.join(", "))
}

/// An existing log is only continued (--resume), never overwritten.
fn refuse_to_overwrite(log_path: &Path, resume: bool) -> crate::Result<()> {
    if log_path.exists() && !resume {
        return Err(crate::Error::flag(
            "--out",
            format!(
                "{} exists: pass --resume to continue it, or name another file",
                log_path.display()
            ),
        ));
    }
    Ok(())
}

/// The log, opened as `open_log` does, beside the problem it is recorded on: a new log gets
/// `<log>.problem.json`, and a resumed one must already say it is of this problem (checked
/// before anything is written), so that rows of two problems never share a log.
fn start_log<P: CliProblem>(
    path: &Path,
    space: &crate::space::SearchSpace,
    problem: &LogProblem<P>,
    resume: bool,
) -> crate::Result<(TuneLog, Vec<TrialRecord>)> {
    let continued = resume && path.exists();
    if continued {
        require_same_problem(path, &problem.shape)?;
    }
    let opened = open_log(path, space, resume)?;
    if !continued {
        problem.write(path)?;
    }
    Ok(opened)
}

/// A log to continue must say it was recorded on `shape`.
fn require_same_problem<P: CliProblem>(path: &Path, shape: &P) -> crate::Result<()> {
    match LogProblem::<P>::of(path)? {
        Some(p) if p.shape == *shape => Ok(()),
        Some(p) => Err(crate::Error::flag(
            P::FLAG,
            format!(
                "{shape}: {} was recorded on {}; continue it at {} {1}, or record {shape} \
                 into another file (--out)",
                path.display(),
                p.shape,
                P::FLAG
            ),
        )),
        None => Err(crate::Error::flag(
            "--resume",
            format!(
                "{} does not say which problem its rows were recorded on: declare it in {} \
                 (as a new record writes it) before continuing it",
                path.display(),
                sidecar(path).display()
            ),
        )),
    }
}

/// A new log, or (resume) the existing one reopened after its torn last line, with its rows.
fn open_log(
    path: &Path,
    space: &crate::space::SearchSpace,
    resume: bool,
) -> crate::Result<(TuneLog, Vec<TrialRecord>)> {
    if !(resume && path.exists()) {
        return Ok((TuneLog::create(path, space)?, Vec::new()));
    }
    let contents = tunelog::read(path, space)?;
    if contents.torn_tail {
        eprintln!("record: cut off a torn last line of {}", path.display());
    }
    let log = TuneLog::reopen(path, space, contents.complete_len, &contents.columns)?;
    Ok((log, contents.records))
}

/// The candidates whose configs the log does not hold yet, in their order.
fn remaining(batch: Vec<Candidate>, done: &[TrialRecord]) -> Vec<Candidate> {
    let done: HashSet<String> = done.iter().map(|r| r.config.to_string()).collect();
    batch
        .into_iter()
        .filter(|c| !done.contains(&c.config.to_string()))
        .collect()
}

/// `limit` valid points sampled with `seed` (or all), numbered as trials of generation 0.
fn candidates<P: CliProblem>(
    t: &Target<P>,
    limit: Option<usize>,
    seed: u64,
) -> crate::Result<Vec<Candidate>> {
    let all = t.space.valid_points(&t.shape, &t.limits)?;
    let index = SpaceIndex::of_points(&t.space, &all);
    Ok(numbered(&index, super::target::pick(all, limit, seed)))
}

/// `points` (valid points of `index`'s space) as trials 0, 1, ... of generation 0.
fn numbered(index: &SpaceIndex, points: Vec<Point>) -> Vec<Candidate> {
    points
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
        .collect()
}

/// The run folder of a log: `<run>` for `<run>/tune/tune_log.csv`, else the log's own folder
/// (so that `--out land.csv` never writes above the folder it names).
fn run_folder(log_path: &Path) -> PathBuf {
    let parent_or_here = |p: &Path| match p.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let folder = parent_or_here(log_path);
    if folder.file_name().is_some_and(|n| n == "tune") {
        parent_or_here(&folder)
    } else {
        folder
    }
}

fn evaluator<P: CliProblem>(
    args: &RecordArgs,
    t: &Target<P>,
    tolerance: crate::eval::Tolerance,
    run_folder: &Path,
) -> crate::Result<LiveEvaluator<P>> {
    let cache = kernel_cache(args.cache_dir.as_deref())?;
    let factory = KernelFactory {
        shape: t.shape,
        limits: t.limits.clone(),
        space: t.space.clone(),
        template: Template::for_space(&t.space)?,
        compiler: Compiler::new(&t.limits.arch_name(), Some(cache))?,
    };
    let settings = LiveSettings {
        tolerance,
        timing: (!args.no_timing).then(|| timing_plan(args)),
        race: None,
        input_seed: args.seed,
        timeout: Duration::from_secs(args.timeout.max(1)),
        kernels_dir: run_folder.join("kernels"),
    };
    LiveEvaluator::start(factory, settings, &[args.device])
}

/// The timing plan of --reps, --timing-seconds and --kernel-only.
fn timing_plan(args: &RecordArgs) -> TimingPlan {
    let plan = TimingPlan::new(args.reps, FlushMode::Memset, args.timing_seconds);
    if args.kernel_only {
        plan.kernel_only()
    } else {
        plan
    }
}

/// --reps down to [`LANDSCAPE_MIN_REPS`] (said on stderr when under the protocol's minimum), and
/// --timing-seconds a positive number.
fn check_timing_flags(args: &RecordArgs) -> crate::Result<()> {
    check_reps(args.reps, LANDSCAPE_MIN_REPS, "a landscape's minimum")?;
    check_timing_seconds(args.timing_seconds)?;
    if args.reps < crate::eval::MIN_REPS && !args.no_timing {
        eprintln!(
            "record: at least {} timed reps per point, under the protocol's {}: the log's CIs say how tight each median is",
            args.reps,
            crate::eval::MIN_REPS
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{
        numbered, open_log, refuse_to_overwrite, remaining, run_folder, start_log, steps_text,
        time_split,
    };
    use crate::artifacts::{sidecar, LogProblem};
    use crate::eval::{EvalResponse, Outcome};
    use crate::evolve::SpaceIndex;
    use crate::shape::Shape;
    use crate::space::{parse, DeviceLimits, SearchSpace};
    use crate::tune::Candidate;
    use crate::tunelog::TrialRecord;
    use std::io::Write;
    use std::path::Path;

    #[test]
    fn the_time_split_names_each_part_and_each_step() {
        let w = crate::artifacts::WallTimes {
            validation_s: 3.12,
            timing_s: 8.2,
            compile_s: 40.23,
            compile_cached: 3,
            ..Default::default()
        };
        assert_eq!(
            time_split(w, 12.0),
            "time 12.0 s in all; GPU: validation 3.1 s, timing 8.2 s; NVRTC 40.2 s summed over \
             cores, overlapped (3 variants cached)"
        );
        let steps = [("load".to_string(), 0.04), ("check".to_string(), 1.25)];
        assert_eq!(
            steps_text(&steps.into_iter().collect()),
            "by step: check 1.2 s, load 0.0 s"
        );
    }

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

    fn space() -> SearchSpace {
        parse(
            Path::new("t.toml"),
            "name='t'\ntemplate='t'\nkernel='k'\n[params.A]\nvalues=[1,2,3]\n[params.F]\nvalues=['x','y']\n[default]\nA=1\nF='x'\n",
        )
        .unwrap()
    }

    fn all_candidates(space: &SearchSpace) -> Vec<Candidate> {
        let shape = Shape::parse("1,1,64,64").unwrap();
        let limits = DeviceLimits::hopper();
        let index = SpaceIndex::new(space, &shape, &limits).unwrap();
        numbered(&index, space.valid_points(&shape, &limits).unwrap())
    }

    /// A log stopped after two rows and a torn third is continued with the four points it lacks,
    /// in order; the torn line is gone and the two rows are kept.
    #[test]
    fn a_stopped_log_resumes_with_only_the_missing_points() {
        let space = space();
        let batch = all_candidates(&space);
        assert_eq!(batch.len(), 6);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("land.csv");
        let ok = EvalResponse::failed(0, Outcome::Ok);
        {
            let (mut log, done) = open_log(&path, &space, true).unwrap();
            assert!(done.is_empty(), "--resume on a missing log starts it");
            for c in &batch[..2] {
                log.append(&TrialRecord::measured(c.trial, 0, &c.config, None, &ok))
                    .unwrap();
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(file, "2,0,2,x,o").unwrap();
        drop(file);
        assert!(refuse_to_overwrite(&path, false)
            .unwrap_err()
            .to_string()
            .contains("--resume"));
        refuse_to_overwrite(&path, true).unwrap();
        let (mut log, done) = open_log(&path, &space, true).unwrap();
        assert_eq!(done.len(), 2);
        let left = remaining(batch.clone(), &done);
        let trials: Vec<usize> = left.iter().map(|c| c.trial).collect();
        assert_eq!(trials, [2, 3, 4, 5]);
        for c in &left {
            log.append(&TrialRecord::measured(c.trial, 0, &c.config, None, &ok))
                .unwrap();
        }
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 7, "{text}");
        assert!(!text.contains(",o\n"), "the torn line is cut off: {text}");
        let (_, all) = open_log(&path, &space, true).unwrap();
        assert!(remaining(batch, &all).is_empty());
    }

    /// A new log is written with its problem beside it; a log is continued only at the
    /// problem it says, and one that says none is not continued (nothing is written then).
    #[test]
    fn a_log_is_started_with_its_problem_and_continued_only_at_it() {
        let space = space();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r/tune/tune_log.csv");
        let at = |s: &str| LogProblem {
            shape: Shape::parse(s).unwrap(),
            device: Some("NVIDIA H200".into()),
        };
        let (_, done) = start_log(&path, &space, &at("2,8,512,64"), false).unwrap();
        assert!(done.is_empty());
        assert_eq!(LogProblem::of(&path).unwrap(), Some(at("2,8,512,64")));
        start_log(&path, &space, &at("2,8,512,64"), true).unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = start_log(&path, &space, &at("2,8,1024,64"), true)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("--shape 2,8,1024,64: ") && e.contains("recorded on 2,8,512,64"),
            "{e}"
        );
        std::fs::remove_file(sidecar(&path)).unwrap();
        let e = start_log(&path, &space, &at("2,8,512,64"), true)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("does not say which problem"), "{e}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the log is as it was"
        );
        assert!(!sidecar(&path).exists());
    }
}
