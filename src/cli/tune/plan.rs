//! Everything a tune run needs, resolved and checked from the flags (or from the manifest of
//! the run being resumed) before anything is written.

use super::super::args::{SearchKind, TuneArgs};
use super::super::checks::{check_protocol_reps, check_timing_seconds, tolerance_or};
use super::super::run_dir::{check_writable, run_dir};
use super::super::target::{space_or_default, ArchPolicy, CliProblem, Limits, Target};
use crate::artifacts::WarmSeed;
use crate::artifacts::{read_json, Manifest, RunPaths, SearchSettings, StandIn};
use crate::cli::db::DbFlags;
use crate::error::{Error, Result};
use crate::eval::{FlushMode, RaceSettings, TimingPlan, Tolerance, DEFAULT_TARGET_S};
use crate::evolve::{GaSettings, SearchMode, SpaceIndex, DEFAULT_WINDOW};
use crate::gpu;
use crate::op::Operation;
use crate::progress::ProgressGroup;
use crate::shape::Shape;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The budget when none is given.
const DEFAULT_BUDGET: usize = 128;

/// Where answers come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The GPUs, one worker each.
    Gpu {
        /// Ordinals.
        devices: Vec<u32>,
    },
    /// A recorded tune log.
    Replay {
        /// The log.
        path: PathBuf,
    },
}

impl Source {
    /// The name a database row's device must have to match: the GPU's, or `replay` for a
    /// replayed run.
    pub fn device_name(&self) -> Result<String> {
        match self {
            Source::Replay { .. } => Ok("replay".into()),
            Source::Gpu { devices } => Ok(gpu::detect(devices[0] as i32)?.name),
        }
    }
}

/// Whether a replayed log must have been recorded on the problem tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayRule {
    /// It must: tune's `--replay`, and each log of a sweep's `--replay-dir`.
    SameProblem,
    /// It may stand in for another problem, and the manifest then says so: a sweep's
    /// `--replay FILE`, one log for every problem (tests and demos).
    StandInAllowed,
}

/// The confirmation stage after a live search.
#[derive(Debug, Clone, Copy)]
pub struct ConfirmPlan {
    /// How many of the best elites to re-time (0: none).
    pub top: usize,
    /// Fresh worker processes per elite.
    pub processes: u32,
    /// The full timing protocol each process uses.
    pub timing: TimingPlan,
}

/// A checked tune run of one operation's problem (SDPA's shape unless said).
pub struct TunePlan<P: CliProblem = Shape> {
    /// The run folder.
    pub run: RunPaths,
    /// Whether the run folder already holds a run to continue.
    pub resuming: bool,
    /// Problem, limits, space and template.
    pub target: Target<P>,
    /// The space's valid points.
    pub index: Arc<SpaceIndex>,
    /// Where answers come from.
    pub source: Source,
    /// Set when the replayed log was recorded on another problem (`ReplayRule::StandInAllowed`).
    pub stand_in: Option<StandIn>,
    /// Distinct configs to evaluate.
    pub budget: usize,
    /// Seed of the search.
    pub seed: u64,
    /// The GA's knobs.
    pub ga: GaSettings,
    /// Generational or steady.
    pub mode: SearchMode,
    /// Validation bounds.
    pub tolerance: Tolerance,
    /// Timing protocol (live runs).
    pub timing: TimingPlan,
    /// Racing against the elites (live runs); `None` times every candidate in full.
    pub race: Option<RaceSettings>,
    /// The confirmation stage (live runs).
    pub confirm: ConfirmPlan,
    /// Watchdog limit per candidate.
    pub timeout: Duration,
    /// Wait per replayed answer.
    pub replay_delay: Duration,
    /// Compile cache folder.
    pub cache_dir: Option<PathBuf>,
    /// The target arch's name, e.g. sm_90a.
    pub arch: String,
    /// The display this run's bar joins (a sweep's); `None`: its own bar, header and summary.
    pub group: Option<ProgressGroup>,
    /// Where the result is recorded at the end: the flags of a fresh run; a resumed run's own
    /// choice unless `--db` or `--no-db` is given again.
    pub db: DbFlags,
    /// The configs that open the first generation (`--warm-start`).
    pub warm: Vec<WarmSeed>,
    /// Whether `--warm-start` was given (to say so when it found nothing).
    pub warm_asked: bool,
    /// When the command began checking its inputs (the setup before the search counts from it).
    pub started: Instant,
    /// Seconds spent listing the space's valid points.
    pub space_s: f64,
}

impl<P: CliProblem> TunePlan<P> {
    /// Checks the flags (or the resumed run's manifest); writes nothing. A replayed log must
    /// have been recorded on the problem tuned.
    pub fn resolve(args: &TuneArgs) -> Result<Self> {
        Self::resolve_with(args, ReplayRule::SameProblem)
    }

    /// As `resolve`, with `rule` for a fresh run's replayed log (a resumed run keeps what its
    /// manifest says).
    pub fn resolve_with(args: &TuneArgs, rule: ReplayRule) -> Result<Self> {
        let started = Instant::now();
        check_common(args)?;
        let plan = match &args.resume {
            Some(dir) => Self::resume(args, dir),
            None => Self::fresh(args, rule),
        };
        plan.map(|p| TunePlan { started, ..p })
    }

    fn fresh(args: &TuneArgs, rule: ReplayRule) -> Result<Self> {
        let shape = &problem_text(args, P::OPERATION)?;
        let budget = args.budget.unwrap_or(DEFAULT_BUDGET);
        if budget == 0 {
            return Err(Error::flag("--budget", "must be at least 1, got 0"));
        }
        let ga = ga_settings(args.population, args.elites)?;
        let mode = search_mode(args.search, args.window)?;
        let tolerance = tolerance_or(P::DEFAULT_TOLERANCE, args.atol, args.rtol)?;
        let run = RunPaths::new(&run_dir(args.out.as_deref(), "tune"));
        check_fresh_folders(&run, args.cache_dir.as_deref())?;
        let source = match &args.replay {
            Some(path) => Source::Replay { path: path.clone() },
            None => Source::Gpu {
                devices: devices(&args.devices)?,
            },
        };
        let space = space_or_default(args.space.as_deref(), P::OPERATION);
        let mut target = target_for(&source, shape, args.arch.as_deref(), &space, &args.set)?;
        let stand_in = replay_stand_in(&source, &target.shape, rule)?;
        restrict_by_flags(&mut target, &args.set)?;
        let mut plan = Self::assemble(
            args, run, false, target, source, budget, args.seed, ga, tolerance,
        )?;
        plan.stand_in = stand_in;
        plan.mode = mode;
        plan.race = (!args.no_race).then(|| RaceSettings::new(plan.ga.elites));
        if args.warm_start {
            let gpu = plan.source.device_name()?;
            let db = args.db.db.clone();
            plan.warm =
                super::warm::seeds_for(db, &gpu, &plan.target, &plan.index, plan.ga.population)?;
            plan.warm_asked = true;
        }
        Ok(plan)
    }

    fn resume(args: &TuneArgs, dir: &std::path::Path) -> Result<Self> {
        let run = RunPaths::new(dir);
        if !run.manifest().is_file() || !run.tune_log().is_file() {
            return Err(Error::flag(
                "--resume",
                format!(
                    "{} is not a tune run folder (it needs manifest.json and tune/tune_log.csv)",
                    dir.display()
                ),
            ));
        }
        let m: Manifest = read_json(&run.manifest())?;
        let source = match m.evaluator.strip_prefix("replay ") {
            Some(path) => Source::Replay {
                path: PathBuf::from(path),
            },
            None => Source::Gpu {
                devices: m.search.devices.clone(),
            },
        };
        let mut target = target_for(&source, &m.shape.to_string(), Some(&m.arch), &m.space, &[])?;
        let rule = match m.stand_in {
            Some(_) => ReplayRule::StandInAllowed,
            None => ReplayRule::SameProblem,
        };
        let stand_in = replay_stand_in(&source, &target.shape, rule)?;
        target.space = target.space.restrict(&m.search.overrides).map_err(|e| {
            Error::flag(
                "--resume",
                format!(
                    "{}: its overrides no longer fit the space: {e}",
                    run.manifest().display()
                ),
            )
        })?;
        let budget = args.budget.unwrap_or(m.search.budget);
        check_budget_holds_the_log(&run, &target, budget)?;
        let mut plan = Self::assemble(
            args,
            run,
            true,
            target,
            source,
            budget,
            m.search.seed,
            m.search.ga,
            m.tolerance,
        )?;
        plan.db = args.db.resumed(m.search.database.as_ref());
        plan.warm = m.search.warm_start;
        plan.mode = m.search.mode;
        plan.stand_in = stand_in;
        plan.race = m.search.race.filter(|_| !args.no_race);
        Ok(plan)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        args: &TuneArgs,
        run: RunPaths,
        resuming: bool,
        target: Target<P>,
        source: Source,
        budget: usize,
        seed: u64,
        ga: GaSettings,
        tolerance: Tolerance,
    ) -> Result<Self> {
        if budget == 0 {
            return Err(Error::flag("--budget", "must be at least 1, got 0"));
        }
        let listing = Instant::now();
        let index = Arc::new(SpaceIndex::new(
            &target.space,
            &target.shape,
            &target.limits,
        )?);
        let space_s = listing.elapsed().as_secs_f64();
        if index.valid().is_empty() {
            require_valid_points(&target)?;
        }
        Ok(TunePlan {
            arch: target.limits.arch_name(),
            run,
            resuming,
            target,
            index,
            source,
            stand_in: None,
            budget,
            seed,
            ga,
            mode: SearchMode::Generational,
            tolerance,
            timing: TimingPlan::new(args.reps, FlushMode::Memset, args.timing_seconds),
            race: None,
            confirm: ConfirmPlan {
                top: args.confirm_top,
                processes: args.confirm_processes,
                timing: TimingPlan::new(args.reps, FlushMode::Memset, DEFAULT_TARGET_S).and_warm(),
            },
            timeout: Duration::from_secs(args.timeout.max(1)),
            replay_delay: Duration::from_millis(args.replay_delay_ms),
            cache_dir: args.cache_dir.clone(),
            group: None,
            db: args.db.clone(),
            warm: Vec::new(),
            warm_asked: false,
            started: Instant::now(),
            space_s,
        })
    }

    /// The search settings as the manifest records them.
    pub fn search_settings(&self) -> SearchSettings {
        SearchSettings {
            budget: self.budget,
            seed: self.seed,
            ga: self.ga,
            mode: self.mode,
            devices: match &self.source {
                Source::Gpu { devices } => devices.clone(),
                Source::Replay { .. } => Vec::new(),
            },
            overrides: self.target.space.overrides().clone(),
            warm_start: self.warm.clone(),
            race: match &self.source {
                Source::Gpu { .. } => self.race,
                Source::Replay { .. } => None,
            },
            database: self.db.choice(),
        }
    }
}

/// What stands in for the problem at `shape` when a log recorded on another answers it; a
/// replayed log must say its problem, and under `ReplayRule::SameProblem` it must be `shape`.
fn replay_stand_in<P: CliProblem>(
    source: &Source,
    shape: &P,
    rule: ReplayRule,
) -> Result<Option<StandIn>> {
    let Source::Replay { path } = source else {
        return Ok(None);
    };
    if rule == ReplayRule::SameProblem {
        crate::tune::require_problem(path, shape)?;
        return Ok(None);
    }
    Ok(StandIn::of(
        crate::tune::recorded_problem(path, shape)?.into(),
        (*shape).into(),
    ))
}

/// A resumed run's budget must hold the trials its log already has (checked before anything
/// is written: a refused --resume leaves the run as it was).
fn check_budget_holds_the_log<P: CliProblem>(
    run: &RunPaths,
    target: &Target<P>,
    budget: usize,
) -> Result<()> {
    let records = crate::tunelog::read(&run.tune_log(), &target.space)?.records;
    let held = records.len();
    if budget < held {
        return Err(Error::flag(
            "--budget",
            format!("{budget} is below the {held} trials the run already holds"),
        ));
    }
    // A run stopped while trials were in flight may have logged a later trial before an
    // earlier one: the budget must reach the last one logged.
    match records.iter().map(|r| r.trial).max() {
        Some(last) if budget <= last => Err(Error::flag(
            "--budget",
            format!(
                "{budget} ends the search before trial {last}, which the run already logged \
                 (trials count from 0): give at least {}",
                last + 1
            ),
        )),
        _ => Ok(()),
    }
}

/// Restricts the target's space by the `--set` texts; errors name `--set` and the parameter.
/// A fresh run's folders, checked before the GPU is looked for: `--out` writable and not
/// holding a run, `--cache-dir` writable.
fn check_fresh_folders(run: &RunPaths, cache_dir: Option<&std::path::Path>) -> Result<()> {
    check_writable("--out", &run.root)?;
    if let Some(dir) = cache_dir {
        check_writable("--cache-dir", dir)?;
    }
    if run.manifest().exists() || run.tune_log().exists() {
        return Err(Error::flag(
            "--out",
            format!(
                "{} already holds a run: continue it with --resume {0}, or pick another folder",
                run.root.display()
            ),
        ));
    }
    Ok(())
}

fn restrict_by_flags<P: CliProblem>(target: &mut Target<P>, sets: &[String]) -> Result<()> {
    let bad = |e: String| Error::flag("--set", e);
    let overrides = target.space.overrides_from_sets(sets).map_err(bad)?;
    target.space = target.space.restrict(&overrides).map_err(bad)?;
    Ok(())
}

/// Fails when no point is valid; with overrides, the error names `--set` as what to change.
fn require_valid_points<P: CliProblem>(target: &Target<P>) -> Result<()> {
    let overrides = target.space.overrides();
    match target.require_valid_points() {
        Err(Error::Space { message, .. }) if !overrides.is_empty() => Err(Error::flag(
            "--set",
            format!("{overrides} leaves no valid point: {message}"),
        )),
        other => other.map(|_| ()),
    }
}

/// The checks of the flags that need neither the space nor a GPU (a sweep runs them once,
/// before it writes anything).
pub(crate) fn check_flags(args: &TuneArgs) -> Result<()> {
    check_common(args)?;
    if args.budget == Some(0) {
        return Err(Error::flag("--budget", "must be at least 1, got 0"));
    }
    search_mode(args.search, args.window)?;
    ga_settings(args.population, args.elites).map(|_| ())
}

/// The search `--search` and `--window` ask for.
fn search_mode(kind: SearchKind, window: Option<usize>) -> Result<SearchMode> {
    match (kind, window) {
        (SearchKind::Generational, None) => Ok(SearchMode::Generational),
        (SearchKind::Generational, Some(_)) => Err(Error::flag(
            "--window",
            "applies to the steady search only (the generational search asks a whole \
             --population at once); leave out --search generational or --window",
        )),
        (SearchKind::Steady, Some(0)) => Err(Error::flag("--window", "must be at least 1, got 0")),
        (SearchKind::Steady, w) => Ok(SearchMode::Steady {
            window: w.unwrap_or(DEFAULT_WINDOW),
        }),
    }
}

fn check_common(args: &TuneArgs) -> Result<()> {
    if args.resume.is_some() && args.problem.any() {
        return Err(Error::flag(
            "--resume",
            "continues the run's own problem: leave out --causal, --kv-heads and --kv-len",
        ));
    }
    check_timing_seconds(args.timing_seconds)?;
    check_protocol_reps(args.reps)?;
    check_confirm(args.confirm_top, args.confirm_processes)?;
    match args.resume {
        // A resumed run's elites come from its manifest; the stage confirms as many as it has.
        Some(_) => Ok(()),
        None => check_confirm_top(args.confirm_top, args.elites),
    }
}

/// Only the elites are kept to be confirmed.
fn check_confirm_top(top: usize, elites: usize) -> Result<()> {
    if top > elites {
        return Err(Error::flag(
            "--confirm-top",
            format!("at most --elites ({elites}): only the elites are kept, got {top}"),
        ));
    }
    Ok(())
}

/// A prediction interval needs the spread of at least two processes.
fn check_confirm(top: usize, processes: u32) -> Result<()> {
    if top > 0 && processes < 2 {
        return Err(Error::flag(
            "--confirm-processes",
            format!(
                "must be at least 2 (the interval comes from the spread between processes; \
                 --confirm-top 0 skips the stage), got {processes}"
            ),
        ));
    }
    Ok(())
}

fn ga_settings(population: usize, elites: usize) -> Result<GaSettings> {
    if population < 2 {
        return Err(Error::flag(
            "--population",
            format!("must be at least 2, got {population}"),
        ));
    }
    if elites == 0 || elites >= population {
        return Err(Error::flag(
            "--elites",
            format!(
                "must be between 1 and --population − 1 ({}), got {elites}",
                population - 1
            ),
        ));
    }
    Ok(GaSettings {
        population,
        elites,
        ..GaSettings::default()
    })
}

/// The GPUs `--devices` names (GPU 0 when it names none); one named twice is an error.
pub(crate) fn devices(given: &[u32]) -> Result<Vec<u32>> {
    let devices = if given.is_empty() {
        vec![0]
    } else {
        given.to_vec()
    };
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = devices.iter().find(|d| !seen.insert(**d)) {
        return Err(Error::flag("--devices", format!("lists GPU {d} twice")));
    }
    Ok(devices)
}

/// A replayed run takes its limits from --arch (default sm_90a), never from the local GPU; a
/// live one from its first GPU, and every GPU must be of the same kind.
fn target_for<P: CliProblem>(
    source: &Source,
    shape: &str,
    arch: Option<&str>,
    space: &Path,
    sets: &[String],
) -> Result<Target<P>> {
    match source {
        Source::Replay { path } => {
            crate::tune::require_log(path)?;
            Target::resolve_problem(
                shape,
                Some(arch.unwrap_or("sm_90a")),
                space,
                ArchPolicy::GpuOrHopper,
            )
        }
        Source::Gpu { devices } => {
            // The flags and the space first (as for Hopper), so bad input is named as such.
            let mut hopper = Target::<P>::resolve_problem(
                shape,
                Some("sm_90a"),
                space,
                ArchPolicy::GpuOrHopper,
            )?;
            restrict_by_flags(&mut hopper, sets)?;
            require_valid_points(&hopper)?;
            let first = gpu::detect(devices[0] as i32)?;
            for &d in &devices[1..] {
                let other = gpu::detect(d as i32)?;
                if other.limits != first.limits {
                    return Err(Error::flag(
                        "--devices",
                        format!(
                            "GPU {d} ({}) differs from GPU {} ({}); tune on one kind at a time",
                            other.name, devices[0], first.name
                        ),
                    ));
                }
            }
            Target::at(shape, space, Limits::Device(&first))
        }
    }
}

/// The operation a tune run is of: a resumed run's own (SDPA's when its manifest cannot be
/// read: resolving the plan then says what is wrong with it), else the one whose flag gives the
/// problem (--gemm, or SDPA's --shape).
pub fn operation_of(args: &TuneArgs) -> Operation {
    match &args.resume {
        Some(dir) => read_json::<Manifest>(&RunPaths::new(dir).manifest())
            .map_or(Operation::Sdpa, |m| m.shape.operation()),
        None if args.gemm.is_some() => Operation::Gemm,
        None => Operation::Sdpa,
    }
}

/// The problem's text from the flag of `operation` (SDPA's with its mask flags); the other
/// operation's flag beside it is an error.
fn problem_text(args: &TuneArgs, operation: Operation) -> Result<String> {
    match operation {
        Operation::Sdpa => {
            let shape = args.shape.as_deref().ok_or_else(|| {
                Error::flag(
                    "--shape",
                    "is required to tune (e.g. --shape 2,8,512,64, or --gemm M,N,K for a \
                     matrix product); see --help",
                )
            })?;
            args.problem.text(shape)
        }
        Operation::Gemm => {
            if args.shape.is_some() || args.problem.any() {
                return Err(Error::flag(
                    "--gemm",
                    "gives a GEMM problem: leave out --shape, --causal, --kv-heads and --kv-len",
                ));
            }
            args.gemm.clone().ok_or_else(|| {
                Error::flag(
                    "--gemm",
                    "is required to tune a GEMM (e.g. --gemm 4096,4096,4096)",
                )
            })
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
