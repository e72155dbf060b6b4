//! A sweep resolved from its flags (or from the `sweep.json` it resumes): every input checked,
//! the problems listed with their budget and overrides, before anything is written.

use super::args::SweepArgs;
use super::campaign::{self, Campaign, CampaignProblem};
use super::gemms::{gemms, GemmFlags};
use super::grid::{self, GridFlags};
use super::index::{ProblemEntry, Status, SweepIndex, SweepSettings, INDEX_FILE};
use crate::cli::args::{SearchKind, TuneArgs};
use crate::cli::checks::tolerance_of;
use crate::cli::db::DbFlags;
use crate::cli::run_dir::{check_writable, run_dir, utc_stamp};
use crate::cli::target::space_or_default;
use crate::error::{Error, Result};
use crate::op::{Operation, ProblemSpec};
use crate::space::{Overrides, SearchSpace};
use std::path::{Path, PathBuf};

/// The budget of a problem that no flag or campaign gives one.
const DEFAULT_BUDGET: usize = 128;

/// A checked sweep.
pub struct SweepPlan {
    /// The sweep folder.
    pub dir: PathBuf,
    /// Its index: the settings, the problems and where each stands.
    pub index: SweepIndex,
    /// Wait per replayed answer (not kept in the index: a demo and test knob).
    pub replay_delay_ms: u64,
    /// Compile cache folder.
    pub cache_dir: Option<PathBuf>,
    /// The tuning database each problem is recorded in (and warm-started from).
    pub db: DbFlags,
}

impl SweepPlan {
    /// Checks the flags, or reads the sweep to resume; writes nothing.
    pub fn resolve(args: &SweepArgs) -> Result<Self> {
        let mut index = match &args.resume {
            Some(dir) => resumed(dir)?,
            None => fresh(args)?,
        };
        let db = args.db.resumed(index.settings.database.as_ref());
        index.settings.database = db.choice();
        let dir = match &args.resume {
            Some(dir) => dir.clone(),
            None => run_dir(args.out.as_deref(), "sweep"),
        };
        if args.resume.is_none() {
            check_writable("--out", &dir)?;
        }
        if args.resume.is_none() && dir.join(INDEX_FILE).exists() {
            return Err(Error::flag(
                "--out",
                format!(
                    "{} already holds a sweep: continue it with `evotune sweep --resume {0}`, \
                     or pick another folder",
                    dir.display()
                ),
            ));
        }
        Ok(SweepPlan {
            dir,
            index,
            replay_delay_ms: args.replay_delay_ms,
            cache_dir: args.cache_dir.clone(),
            db,
        })
    }
}

fn resumed(dir: &Path) -> Result<SweepIndex> {
    if !dir.join(INDEX_FILE).is_file() {
        return Err(Error::flag(
            "--resume",
            format!(
                "{} is not a sweep folder (it has no {INDEX_FILE})",
                dir.display()
            ),
        ));
    }
    let mut index = SweepIndex::read(dir)?;
    if index.settings.replay_recorded_on.is_none() {
        let recorded = mark_stand_ins(&index.settings, &mut index.problems)?;
        index.settings.replay_recorded_on = recorded;
    }
    super::slurm::task_state::fold(&mut index, dir);
    Ok(index)
}

fn fresh(args: &SweepArgs) -> Result<SweepIndex> {
    let campaign = match &args.campaign {
        Some(path) => campaign::load(path)?,
        None => from_flags(args)?,
    };
    let operation = campaign.problems[0].problem.operation();
    let mut settings = settings(args, operation);
    check_settings(args, &settings, operation)?;
    let space = load_space(&settings.space, operation)?;
    let mut problems = problems(args, &campaign, &space)?;
    settings.replay_recorded_on = mark_stand_ins(&settings, &mut problems)?;
    Ok(SweepIndex {
        started_utc: utc_stamp(now_secs()),
        command: std::env::args().collect(),
        settings,
        problems,
    })
}

fn settings(args: &SweepArgs, operation: Operation) -> SweepSettings {
    SweepSettings {
        space: space_or_default(args.space.as_deref(), operation),
        seed: args.seed,
        population: args.population,
        elites: args.elites,
        devices: args.devices.clone(),
        arch: args.arch.clone(),
        replay: args.replay.clone(),
        replay_recorded_on: None,
        replay_dir: args.replay_dir.clone(),
        reps: args.reps,
        atol: args.atol,
        rtol: args.rtol,
        timing_seconds: args.timing_seconds,
        no_race: args.no_race,
        confirm_top: args.confirm_top,
        confirm_processes: args.confirm_processes,
        timeout: args.timeout,
        warm_start: args.warm_start,
        search: args.search,
        window: args.window.unwrap_or(crate::evolve::DEFAULT_WINDOW),
        database: args.db.choice(),
    }
}

/// The flag checks tune makes, once for all problems, and the replay sources.
fn check_settings(args: &SweepArgs, settings: &SweepSettings, operation: Operation) -> Result<()> {
    let probe_problem = match operation {
        Operation::Sdpa => "1,1,1,1",
        Operation::Gemm => "1,1,1",
    };
    let mut probe = tune_args(settings, (operation, probe_problem), args.budget, &[]);
    probe.replay = None;
    probe.window = args.window;
    crate::cli::tune::check_flags(&probe)?;
    tolerance_of(settings.atol, settings.rtol)?;
    if let Some(log) = &settings.replay {
        crate::tune::require_log(log)?;
    }
    match &settings.replay_dir {
        Some(dir) if !dir.is_dir() => Err(Error::flag(
            "--replay-dir",
            format!("{} is not a folder of recorded logs", dir.display()),
        )),
        _ => Ok(()),
    }
}

/// The problem `--replay FILE` was recorded on (a log that does not say is refused), marked on
/// every other problem as the one its answers come from.
fn mark_stand_ins(s: &SweepSettings, problems: &mut [ProblemEntry]) -> Result<Option<ProblemSpec>> {
    let Some(log) = &s.replay else {
        return Ok(None);
    };
    let specs: Vec<ProblemSpec> = problems
        .iter()
        .map(ProblemEntry::problem)
        .collect::<Result<_>>()?;
    let recorded: ProblemSpec = match specs[0] {
        ProblemSpec::Sdpa(shape) => crate::tune::recorded_problem(log, &shape)?.into(),
        ProblemSpec::Gemm(gemm) => crate::tune::recorded_problem(log, &gemm)?.into(),
    };
    for (p, spec) in problems.iter_mut().zip(specs) {
        p.answers_recorded_on = (spec != recorded).then_some(recorded);
    }
    Ok(Some(recorded))
}

/// The space at `path`, which must be for the problems' operation.
fn load_space(path: &Path, operation: Operation) -> Result<SearchSpace> {
    if !path.is_file() {
        return Err(Error::flag(
            "--space",
            format!("file {} does not exist", path.display()),
        ));
    }
    let space = crate::space::load(path)?;
    if space.operation != operation {
        return Err(Error::flag(
            "--space",
            format!(
                "{} is a {} space, and the sweep's problems are {} problems (give a {1} space, \
                 or leave out --space for the default)",
                path.display(),
                space.operation,
                operation
            ),
        ));
    }
    Ok(space)
}

/// The problems of `campaign`, each with its budget and its overrides checked against the
/// space.
fn problems(
    args: &SweepArgs,
    campaign: &Campaign,
    space: &SearchSpace,
) -> Result<Vec<ProblemEntry>> {
    let global = space
        .overrides_from_sets(&args.set)
        .map_err(|e| Error::flag("--set", e))?;
    let file_error = |e: String| {
        let file = args.campaign.as_deref().unwrap_or(Path::new("?")).display();
        Error::flag("--campaign", format!("{file}: {e}"))
    };
    let shared = space
        .overrides_from_sets(&campaign.set)
        .map_err(file_error)?;
    let budget = campaign.budget.or(args.budget).unwrap_or(DEFAULT_BUDGET);
    campaign
        .problems
        .iter()
        .map(|p| {
            let own = space
                .overrides_from_sets(&p.set)
                .map_err(|e| file_error(format!("problem {}: {e}", p.problem)))?;
            let merged = global.merged(&shared).merged(&own);
            Ok(entry(&p.problem, p.budget.unwrap_or(budget), &merged))
        })
        .collect()
}

/// The problems of the flags, as a campaign without a file: SDPA's (`--shapes` and the
/// product) or GEMM's (`--gemms` and the product), never both.
fn from_flags(args: &SweepArgs) -> Result<Campaign> {
    let grid = GridFlags {
        batch: args.batch.as_deref(),
        heads: args.heads.as_deref(),
        seq_lens: args.seq_lens.as_deref(),
        head_dims: args.head_dims.as_deref(),
    };
    let gemm_flags = GemmFlags {
        listed: &args.gemms,
        m: args.gemm_m.as_deref(),
        n: args.gemm_n.as_deref(),
        k: args.gemm_k.as_deref(),
    };
    let shapes = grid::shapes(&args.shapes, &grid)?;
    let gemms = gemms(&gemm_flags)?;
    let problems: Vec<ProblemSpec> = match (shapes.is_empty(), gemms.is_empty()) {
        (true, true) => return Err(no_problems()),
        (false, false) => return Err(mixed()),
        (false, true) => shapes.into_iter().map(ProblemSpec::from).collect(),
        (true, false) => gemms.into_iter().map(ProblemSpec::from).collect(),
    };
    Ok(Campaign {
        budget: None,
        set: Vec::new(),
        problems: problems
            .into_iter()
            .map(|problem| CampaignProblem {
                problem,
                budget: None,
                set: Vec::new(),
            })
            .collect(),
    })
}

fn no_problems() -> Error {
    Error::flag(
        "--shapes",
        "is needed (or the product --batch/--heads/--seq-lens/--head-dims, --gemms, the GEMM \
         product --m/--n/--k, or --campaign FILE): a sweep needs problems; see `evotune sweep \
         --help`",
    )
}

fn mixed() -> Error {
    Error::flag(
        "--gemms",
        "and --m/--n/--k give GEMMs, and --shapes and --batch/--heads/--seq-lens/--head-dims \
         attention shapes: a sweep tunes one operation (its space is that operation's); run \
         one sweep of each",
    )
}

fn entry(problem: &ProblemSpec, budget: usize, overrides: &Overrides) -> ProblemEntry {
    let name = grid::problem_name(problem);
    ProblemEntry {
        run: PathBuf::from(&name),
        name,
        operation: problem.operation(),
        shape: problem.to_string(),
        budget,
        set: overrides.to_set_args(),
        status: Status::Pending,
        best_p50_us: None,
        best_config: None,
        trials: None,
        failures: None,
        reason: None,
        finished_utc: None,
        answers_recorded_on: None,
    }
}

/// The tune flags of one problem, given as its operation and its flag's text (a fresh run:
/// `out`, `replay` and `resume` are set by the caller).
pub fn tune_args(
    s: &SweepSettings,
    (operation, problem): (Operation, &str),
    budget: Option<usize>,
    set: &[String],
) -> TuneArgs {
    let given = |op: Operation| (operation == op).then(|| problem.to_string());
    TuneArgs {
        shape: given(Operation::Sdpa),
        problem: Default::default(),
        budget,
        space: Some(s.space.clone()),
        gemm: given(Operation::Gemm),
        set: set.to_vec(),
        seed: s.seed,
        search: s.search,
        window: (s.search == SearchKind::Steady).then_some(s.window),
        population: s.population,
        elites: s.elites,
        out: None,
        devices: s.devices.clone(),
        resume: None,
        replay: s.replay.clone(),
        replay_delay_ms: 0,
        arch: s.arch.clone(),
        reps: s.reps,
        atol: s.atol,
        rtol: s.rtol,
        timing_seconds: s.timing_seconds,
        no_race: s.no_race,
        confirm_top: s.confirm_top,
        confirm_processes: s.confirm_processes,
        timeout: s.timeout,
        cache_dir: None,
        db: DbFlags::default(),
        warm_start: s.warm_start,
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
