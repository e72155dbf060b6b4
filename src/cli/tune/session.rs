//! One tune session: build the evaluator, open (or reopen) the log, search with progress, keep
//! topk.json current after every generation, confirm the elites of a live run, and print where
//! the time went.

use super::confirm;
use super::follows::run_search;
use super::plan::{Source, TunePlan};
use crate::artifacts::{read_json, Environment, Manifest, TopK, WallTimes};
use crate::cli::run_dir::{utc_stamp, write_json};
use crate::cli::target::CliProblem;
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::progress::Progress;
use crate::tune::{
    top_k, Evaluated, Evaluator, KernelFactory, LiveEvaluator, LiveSettings, ReplayEvaluator,
    RunFacts, SearchEvents,
};
use crate::tunelog::{self, TrialRecord, TuneLog};
use std::collections::HashMap;
use std::time::Instant;

/// Runs the planned search to its budget, then (live) the confirmation stage; returns the
/// elites as topk.json holds them. The summary is printed (outside a sweep) even when the
/// confirmation stops with an error.
pub fn run<P: CliProblem>(plan: &TunePlan<P>) -> Result<TopK> {
    let seeds = crate::warm::seed_genomes(&plan.warm, &plan.target.space, &plan.index);
    let prior = logged_trials(plan)?;
    super::follows::check_log_follows(plan, &seeds, &prior)?;
    let (mut evaluator, environment) = evaluator(plan)?;
    write_manifest(plan, environment, evaluator.describe_source())?;
    let log = open_log(plan)?;
    let resumed = prior.len();
    let mut session = Session::new(plan, log, &prior, evaluator.as_evaluator().describe());
    let setup_s = plan.started.elapsed().as_secs_f64();
    let started = Instant::now();
    let budget = plan.budget;
    let out = run_search(
        plan,
        &seeds,
        evaluator.as_evaluator(),
        budget,
        prior,
        &mut session,
    )?;
    session.finish();
    let mut wall = evaluator.wall();
    if let Some(w) = wall.as_mut() {
        w.total_s = started.elapsed().as_secs_f64();
        (w.setup_s, w.space_s) = (setup_s, plan.space_s);
    }
    let mut topk = session.write_topk(&out.trials, wall)?;
    let confirmed = match evaluator {
        Chosen::Live(live) => confirm::run(plan, *live, &mut topk),
        Chosen::Replay(_) => Ok(()),
    };
    if plan.group.is_none() {
        summarize(plan, &topk, resumed);
        if plan.search_settings().race.is_some() {
            println!("{}", race_line(&out.trials));
        }
    }
    confirmed.map(|()| topk)
}

/// The replay or live evaluator, with what it knows of the machine.
enum Chosen<P: CliProblem> {
    Replay(ReplayEvaluator),
    Live(Box<LiveEvaluator<P>>),
}

impl<P: CliProblem> Chosen<P> {
    fn as_evaluator(&mut self) -> &mut dyn Evaluator {
        match self {
            Chosen::Replay(r) => r,
            Chosen::Live(l) => l.as_mut(),
        }
    }

    fn wall(&self) -> Option<WallTimes> {
        match self {
            Chosen::Replay(_) => None,
            Chosen::Live(l) => Some(l.wall()),
        }
    }

    /// The manifest's `evaluator` field.
    fn describe_source(&self) -> String {
        match self {
            Chosen::Replay(r) => format!("replay {}", r.path().display()),
            Chosen::Live(_) => "gpu".into(),
        }
    }
}

fn evaluator<P: CliProblem>(plan: &TunePlan<P>) -> Result<(Chosen<P>, Environment)> {
    let t = &plan.target;
    match &plan.source {
        Source::Replay { path } => {
            let r = ReplayEvaluator::load(path, &t.space)?.with_delay(plan.replay_delay);
            Ok((Chosen::Replay(r), Environment::default()))
        }
        Source::Gpu { devices } => {
            let cache = Cache::new(plan.cache_dir.clone().unwrap_or_else(Cache::default_dir));
            let compiler = Compiler::new(&plan.arch, Some(cache))?;
            let nvrtc = Some(compiler.nvrtc_version().to_string());
            let factory = KernelFactory {
                shape: t.shape,
                limits: t.limits.clone(),
                space: t.space.clone(),
                template: crate::template::Template::for_space(&t.space)?,
                compiler,
            };
            let settings = LiveSettings {
                tolerance: plan.tolerance,
                timing: Some(plan.timing),
                race: plan.race,
                input_seed: plan.seed,
                timeout: plan.timeout,
                kernels_dir: plan.run.kernels_dir(),
            };
            // nvidia-smi answers for the manifest while the workers start.
            let (live, env) = std::thread::scope(|s| {
                let env = s.spawn(|| crate::gpu::environment(devices[0], nvrtc));
                let live = LiveEvaluator::start(factory, settings, devices);
                (live, env.join().unwrap_or_default())
            });
            Ok((Chosen::Live(Box::new(live?)), env))
        }
    }
}

fn write_manifest<P: CliProblem>(
    plan: &TunePlan<P>,
    environment: Environment,
    evaluator: String,
) -> Result<()> {
    let path = plan.run.manifest();
    let manifest = if plan.resuming {
        let mut m: Manifest = read_json(&path)?;
        m.search.budget = plan.budget;
        m.search.database = plan.db.choice();
        m
    } else {
        Manifest {
            run_id: plan.run.run_id(),
            started_utc: utc_stamp(now_secs()),
            command: std::env::args().collect(),
            evotune_version: env!("CARGO_PKG_VERSION").into(),
            build_commit: Some(crate::BUILD_COMMIT.into()),
            git_commit: git_commit(),
            shape: plan.target.shape.into(),
            space: plan.target.space.path.clone(),
            arch: plan.arch.clone(),
            tolerance: plan.tolerance,
            timing: matches!(plan.source, Source::Gpu { .. }).then_some(plan.timing),
            evaluator,
            stand_in: plan.stand_in.clone(),
            search: plan.search_settings(),
            environment,
        }
    };
    write_json(&path, &manifest)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A new log, or the resumed run's log with its torn last line cut off.
fn open_log<P: CliProblem>(plan: &TunePlan<P>) -> Result<TuneLog> {
    let path = plan.run.tune_log();
    let space = &plan.target.space;
    if !plan.resuming {
        return TuneLog::create(&path, space);
    }
    let contents = tunelog::read(&path, space)?;
    TuneLog::reopen(&path, space, contents.complete_len, &contents.columns)
}

/// The trials a resumed run's log holds (none for a fresh run), their samples taken back from
/// the last topk.json; reads only.
fn logged_trials<P: CliProblem>(plan: &TunePlan<P>) -> Result<Vec<Evaluated>> {
    if !plan.resuming {
        return Ok(Vec::new());
    }
    let contents = tunelog::read(&plan.run.tune_log(), &plan.target.space)?;
    let mut samples: HashMap<String, Evaluated> = HashMap::new();
    if let Ok(topk) = read_json::<TopK>(&plan.run.topk()) {
        for e in topk.elites {
            let mut ev = Evaluated::from_record(e.record);
            ev.kernel_time = e.kernel_time;
            ev.call_time = e.call_time;
            samples.insert(e.label, ev);
        }
    }
    let prior = contents
        .records
        .into_iter()
        .map(|r| match samples.remove(&r.config.to_string()) {
            Some(mut ev) => {
                ev.record = r;
                ev
            }
            None => Evaluated::from_record(r),
        })
        .collect();
    Ok(prior)
}

/// The search's listener: logs each trial, shows progress, keeps topk.json current.
struct Session<'a, P: CliProblem> {
    plan: &'a TunePlan<P>,
    log: TuneLog,
    progress: Progress,
    best: Option<f64>,
    failures: usize,
    raced: usize,
    /// Trials the log held when the run resumed: until the search has been told them all again,
    /// a topk.json of the trials so far would hold fewer than the one on disk.
    resumed: usize,
}

impl<'a, P: CliProblem> Session<'a, P> {
    fn new(plan: &'a TunePlan<P>, log: TuneLog, prior: &[Evaluated], evaluator: String) -> Self {
        let progress = match &plan.group {
            Some(group) => group.bar(plan.budget as u64, "tune"),
            None => {
                header(plan, prior.len(), &evaluator);
                Progress::with_status(plan.budget as u64, "tune")
            }
        };
        let mut s = Session {
            plan,
            log,
            progress,
            best: None,
            failures: 0,
            raced: 0,
            resumed: prior.len(),
        };
        for e in prior {
            s.count(e);
        }
        s
    }

    fn finish(&self) {
        match &self.plan.group {
            Some(group) => group.remove(&self.progress),
            None => self.progress.finish(),
        }
    }

    fn count(&mut self, e: &Evaluated) {
        match e.record.fitness() {
            Some(f) => self.best = Some(self.best.map_or(f, |b| b.min(f))),
            None => self.failures += 1,
        }
        self.raced += usize::from(e.record.raced_out == Some(true));
        self.progress.inc();
        self.progress.note(self.standing());
    }

    /// "best 10.30 µs, 0 failed" and, once any trial was raced out, ", 12 raced out".
    fn standing(&self) -> String {
        let best = self
            .best
            .map_or("none yet".into(), |b| format!("{b:.2} µs"));
        let raced = match self.raced {
            0 => String::new(),
            n => format!(", {n} raced out"),
        };
        format!("best {best}, {} failed{raced}", self.failures)
    }

    fn write_topk(&self, trials: &[Evaluated], wall: Option<WallTimes>) -> Result<TopK> {
        let t = &self.plan.target;
        let facts = RunFacts {
            shape: t.shape.into(),
            space: &t.space.path,
            kernel: &t.space.kernel,
            wall,
        };
        let topk = top_k(trials, self.plan.ga.elites, &facts);
        write_json(&self.plan.run.topk(), &topk)?;
        Ok(topk)
    }
}

impl<P: CliProblem> SearchEvents for Session<'_, P> {
    fn trial(&mut self, e: &Evaluated) -> Result<()> {
        self.log.append(&e.record)?;
        self.count(e);
        Ok(())
    }

    fn generation_done(&mut self, so_far: &[Evaluated]) -> Result<()> {
        let generation = so_far.last().map_or(0, |e| e.record.generation);
        self.progress.log(format!(
            "generation {generation}: {}/{} trials, {}",
            so_far.len(),
            self.plan.budget,
            self.standing()
        ));
        if !covers_the_resumed(so_far.len(), self.resumed) {
            return Ok(());
        }
        self.write_topk(so_far, None).map(|_| ())
    }
}

/// Whether the trials so far include every trial the resumed log held, so that a topk.json
/// written from them loses nothing (a resume killed while replaying its log leaves the run's
/// topk.json as it was).
fn covers_the_resumed(so_far: usize, resumed: usize) -> bool {
    so_far >= resumed
}

/// "tuning <shape> over N valid points of <space> (--set ...) with <evaluator>: ...", and the
/// trials a resumed run already holds.
fn header<P: CliProblem>(plan: &TunePlan<P>, resumed: usize, evaluator: &str) {
    let overrides = plan.target.space.overrides();
    let restricted = if overrides.is_empty() {
        String::new()
    } else {
        format!(" (--set {overrides})")
    };
    eprintln!(
        "tuning {} over {} valid points of {}{restricted} with {}: budget {}, seed {}, {} search",
        plan.target.shape,
        plan.index.valid().len(),
        plan.target.space.path.display(),
        evaluator,
        plan.budget,
        plan.seed,
        plan.mode.describe()
    );
    if let Some(s) = &plan.stand_in {
        eprintln!("stand-in: {}", s.note);
    }
    match plan.warm.first() {
        Some(first) => eprintln!(
            "warm start: {} configs open the first generation; the nearest: {}",
            plan.warm.len(),
            first.from
        ),
        None if plan.warm_asked => {
            eprintln!("warm start: the database holds no problem tuned on this device yet")
        }
        None => {}
    }
    if resumed > 0 {
        eprintln!(
            "resuming {}: {} trials already logged",
            plan.run.root.display(),
            resumed
        );
    }
}

fn summarize<P: CliProblem>(plan: &TunePlan<P>, topk: &TopK, resumed: usize) {
    println!(
        "tuned {} over {}: {} trials ({resumed} from the log), {} failed",
        plan.target.shape,
        plan.target.space.path.display(),
        topk.trials,
        topk.failures
    );
    match topk.elites.first() {
        Some(best) => {
            let r = &best.record;
            let ci = match (r.ci_lo_us, r.ci_hi_us) {
                (Some(lo), Some(hi)) => format!(" [{lo:.2}, {hi:.2}]"),
                _ => String::new(),
            };
            let call = r
                .call_p50_us
                .map_or(String::new(), |c| format!(", {c:.2} µs per call"));
            println!(
                "best  {:.2} µs{ci} kernel-only p50{call} (trial {}, {:.1} TFLOP/s)",
                r.p50_us.unwrap_or(f64::NAN),
                r.trial,
                best.kernel_tflops.unwrap_or(f64::NAN)
            );
            // The parameters that apply to the point (the same text `--config` takes).
            let config = plan.target.space.active_text(&best.record.config);
            println!("      {}", config.unwrap_or_else(|| best.label.clone()));
        }
        None => println!("best  none: no trial passed validation"),
    }
    for line in confirm::summary_lines(topk) {
        println!("{line}");
    }
    if let Some(w) = topk.wall {
        println!("{}", time_line(&w));
    }
    println!("wrote {}", plan.run.tune_log().display());
    println!("wrote {}", plan.run.topk().display());
}

/// "race  87 of 120 timed trials raced out after a median of 64 kernel-only samples, without
/// the per-call method; the other 33 took a median of 2104", for a run that raced.
fn race_line(trials: &[Evaluated]) -> String {
    let timed: Vec<&TrialRecord> = trials
        .iter()
        .map(|e| &e.record)
        .filter(|r| r.raced_out.is_some())
        .collect();
    let samples = |out: bool| -> Vec<f64> {
        let of = timed.iter().filter(|r| r.raced_out == Some(out));
        of.filter_map(|r| r.samples.map(f64::from)).collect()
    };
    let (raced, full) = (samples(true), samples(false));
    let median = |xs: &[f64]| match xs.len() {
        0 => "none".to_string(),
        _ => format!("{:.0}", crate::stats::median(xs)),
    };
    format!(
        "race  {} of {} timed trials raced out after a median of {} kernel-only samples, \
         without the per-call method; the other {} took a median of {}",
        raced.len(),
        timed.len(),
        median(&raced),
        full.len(),
        median(&full)
    )
}

/// "time  63.4 s in all (setup 2.2 s, 1.9 of it listing the space's valid points; search
/// 52.3 s; confirmation 8.9 s); GPU: ..." (without the confirmation when there was none).
fn time_line(w: &WallTimes) -> String {
    let confirmation = if w.confirm_s > 0.0 {
        format!("; confirmation {:.1} s", w.confirm_s)
    } else {
        String::new()
    };
    format!(
        "time  {:.1} s in all (setup {:.1} s, {:.1} of it listing the space's valid points; \
         search {:.1} s{confirmation}); {}",
        w.setup_s + w.total_s + w.confirm_s,
        w.setup_s,
        w.space_s,
        w.total_s,
        w.gpu_split()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(samples: Option<u32>, raced_out: Option<bool>) -> Evaluated {
        let mut r = TrialRecord::unmeasured(&Default::default(), "ok", String::new());
        (r.samples, r.raced_out) = (samples, raced_out);
        Evaluated::from_record(r)
    }

    #[test]
    fn a_resume_writes_no_topk_until_its_logged_trials_are_told_again() {
        // 40 logged: the first generations' 16, 26 and 36 trials so far would replace a
        // topk.json of 40 with a worse one if the resume were killed there.
        for so_far in [0, 16, 26, 36, 39] {
            assert!(!covers_the_resumed(so_far, 40), "{so_far}");
        }
        assert!(covers_the_resumed(40, 40) && covers_the_resumed(46, 40));
        assert!(
            covers_the_resumed(16, 0),
            "a fresh run writes every generation"
        );
    }

    #[test]
    fn the_race_line_counts_the_raced_out_and_their_samples() {
        let trials = [
            trial(Some(64), Some(true)),
            trial(Some(2100), Some(false)),
            trial(Some(128), Some(true)),
            trial(Some(64), Some(true)),
            trial(None, None), // failed: not timed
        ];
        assert_eq!(
            race_line(&trials),
            "race  3 of 4 timed trials raced out after a median of 64 kernel-only samples, \
             without the per-call method; the other 1 took a median of 2100"
        );
        assert!(race_line(&trials[1..2])
            .contains("0 of 1 timed trials raced out after a median of none"));
    }

    #[test]
    fn the_time_line_splits_setup_search_and_a_confirmation_when_there_was_one() {
        let mut w = WallTimes {
            total_s: 52.3,
            compile_s: 80.0,
            compile_cached: 3,
            validation_s: 10.0,
            timing_s: 30.0,
            confirm_s: 0.0,
            setup_s: 2.2,
            space_s: 1.9,
        };
        assert!(time_line(&w).starts_with(
            "time  54.5 s in all (setup 2.2 s, 1.9 of it listing the space's valid points; \
             search 52.3 s); GPU: validation 10.0 s"
        ));
        w.confirm_s = 8.9;
        assert!(
            time_line(&w).starts_with(
                "time  63.4 s in all (setup 2.2 s, 1.9 of it listing the space's valid points; \
                 search 52.3 s; confirmation 8.9 s); GPU: validation 10.0 s, timing 30.0 s; \
                 NVRTC 80.0 s summed over cores, overlapped (3 variants cached)"
            ),
            "{}",
            time_line(&w)
        );
    }
}
