//! Validated problem and target: the problem (SDPA's shape, or another operation's), the device
//! limits, the space and its template.

use super::args::{ProblemFlags, TargetArgs};
use crate::artifacts::LoggedProblem;
use crate::compile::Job;
use crate::error::{Error, Result};
use crate::gpu;
use crate::kernel::Kernels;
use crate::op::{Gemm, Operation, Problem, ProblemSpec};
use crate::shape::Shape;
use crate::space::{self, DeviceLimits, Point, SearchSpace};
use crate::template::Template;
use std::path::{Path, PathBuf};

/// A problem type the command line reads and names: parsed from its flag's text, shown in
/// messages, sent to the GPU workers, written beside a tune log, and tied to the operation whose
/// spaces it fits.
pub trait CliProblem: Problem + LoggedProblem + Into<ProblemSpec> {
    /// The operation whose spaces take this problem.
    const OPERATION: Operation;
    /// The flag that gives it.
    const FLAG: &'static str = Self::OPERATION.flag();
    /// What messages call it, before its value: "shape 2,8,512,64", "GEMM 128,256,512".
    const NOUN: &'static str = Self::OPERATION.noun();
}

impl CliProblem for Shape {
    const OPERATION: Operation = Operation::Sdpa;
}

impl CliProblem for Gemm {
    const OPERATION: Operation = Operation::Gemm;
}

/// The space a command uses for `operation` when --space is not given.
pub fn default_space(operation: Operation) -> PathBuf {
    PathBuf::from(match operation {
        Operation::Sdpa => "search_spaces/sdpa_fp8.toml",
        Operation::Gemm => "search_spaces/gemm_fp8.toml",
    })
}

/// --space when given, else `operation`'s own space.
pub fn space_or_default(space: Option<&Path>, operation: Operation) -> PathBuf {
    space.map_or_else(|| default_space(operation), Path::to_path_buf)
}

/// What a command does with the target of whichever operation its space is for.
pub trait WithTarget {
    /// Runs the command on `t`.
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()>;
}

/// The flags that give a problem: SDPA's shape and mask flags, or a GEMM's.
#[derive(Clone, Copy)]
pub struct ProblemText<'a> {
    /// --shape.
    pub shape: &'a str,
    /// --causal, --kv-heads, --kv-len.
    pub flags: &'a ProblemFlags,
    /// --gemm.
    pub gemm: Option<&'a str>,
}

impl ProblemText<'_> {
    /// The operation whose flag gives the problem: --gemm, else SDPA's --shape.
    pub fn operation(&self) -> Operation {
        match self.gemm {
            Some(_) => Operation::Gemm,
            None => Operation::Sdpa,
        }
    }
}

/// Where a command's limits come from.
#[derive(Clone, Copy)]
pub enum Limits<'a> {
    /// --arch, or the GPU's, as the policy says.
    Offline(Option<&'a str>, ArchPolicy),
    /// An open GPU's.
    Device(&'a gpu::DeviceInfo),
}

/// The checks a GPU command makes before it looks for the GPU: `problem` and `space` (with its
/// template) resolve as for Hopper, and some point is valid there; bad input is named (exit 2)
/// on any machine instead of hidden behind a missing GPU.
pub fn judge_as_hopper(problem: ProblemText<'_>, space: Option<&Path>) -> anyhow::Result<()> {
    struct ValidPoints;
    impl WithTarget for ValidPoints {
        fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
            Ok(t.require_valid_points()?)
        }
    }
    with_hopper_target(problem, space, ValidPoints)
}

/// Runs `command` on the target of `problem` and `space` resolved for Hopper (sm_90a) without
/// looking for a GPU: the judging a GPU command does before it looks for one.
pub fn with_hopper_target(
    problem: ProblemText<'_>,
    space: Option<&Path>,
    command: impl WithTarget,
) -> anyhow::Result<()> {
    let hopper = Limits::Offline(Some("sm_90a"), ArchPolicy::GpuOrHopper);
    with_problem(problem, space, hopper, command)
}

/// Resolves the target of `space` from `args` (an SDPA space's problem from --shape and the
/// mask flags, a GEMM space's from --gemm) and runs `command` on it.
pub fn with_target(
    args: &TargetArgs,
    space: Option<&Path>,
    policy: ArchPolicy,
    command: impl WithTarget,
) -> anyhow::Result<()> {
    let problem = ProblemText {
        shape: &args.shape,
        flags: &args.problem,
        gemm: args.gemm.as_deref(),
    };
    with_problem(
        problem,
        space,
        Limits::Offline(args.arch.as_deref(), policy),
        command,
    )
}

/// Resolves the target of `space` at `problem` (the flags of the space's operation) with
/// `limits`, and runs `command` on it: the one place that picks a problem type by operation.
pub fn with_problem(
    problem: ProblemText<'_>,
    space: Option<&Path>,
    limits: Limits<'_>,
    command: impl WithTarget,
) -> anyhow::Result<()> {
    let space = &space_or_default(space, problem.operation());
    let loaded = load_space(space)?;
    match loaded.operation {
        Operation::Sdpa => {
            if problem.gemm.is_some() {
                return Err(Error::flag(
                    "--gemm",
                    format!(
                        "is for GEMM spaces (operation = \"gemm\"); {} is an SDPA space: give \
                         its problem with --shape",
                        space.display()
                    ),
                )
                .into());
            }
            let shape = problem.flags.text(problem.shape)?;
            command.run(Target::<Shape>::with(&shape, loaded, limits)?)
        }
        Operation::Gemm => {
            let text = gemm_text(problem, space)?;
            command.run(Target::<Gemm>::with(text, loaded, limits)?)
        }
    }
}

/// The GEMM problem's text: --gemm, required, and no SDPA mask flags beside it.
fn gemm_text<'a>(problem: ProblemText<'a>, space: &Path) -> Result<&'a str> {
    if problem.flags.any() {
        return Err(Error::flag(
            "--causal/--kv-heads/--kv-len",
            format!(
                "are SDPA's; {} is a GEMM space (give --gemm M,N,K alone)",
                space.display()
            ),
        ));
    }
    problem.gemm.ok_or_else(|| {
        Error::flag(
            "--gemm",
            format!(
                "is needed: {} is a GEMM space (operation = \"gemm\"); give its problem as \
                 --gemm M,N,K",
                space.display()
            ),
        )
    })
}

/// What a command needs to turn configs into kernels for one problem on one target.
pub struct Target<P: CliProblem = Shape> {
    /// The problem (named `shape` after SDPA's, the first operation's).
    pub shape: P,
    /// The device limits (from the GPU, or from `--arch`).
    pub limits: DeviceLimits,
    /// Where the limits came from, for the user.
    pub limits_from: String,
    /// The search space.
    pub space: SearchSpace,
    /// Its parsed template.
    pub template: Template,
}

/// How to pick limits when `--arch` is absent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArchPolicy {
    /// The GPU's own, else an error telling the user to pass `--arch`.
    GpuOrFlag,
    /// The GPU's own, else Hopper's (sm_90a), said so in `limits_from`.
    GpuOrHopper,
}

impl Target<Shape> {
    /// Validates shape, arch, space file and template, in that order; nothing is written.
    pub fn resolve(
        shape: &str,
        arch: Option<&str>,
        space: &Path,
        policy: ArchPolicy,
    ) -> Result<Target> {
        Self::resolve_problem(shape, arch, space, policy)
    }
}

impl<P: CliProblem> Target<P> {
    /// The target at `problem` in the space file `space`, with `limits`.
    pub fn at(problem: &str, space: &Path, limits: Limits<'_>) -> Result<Self> {
        Self::with(problem, load_space(space)?, limits)
    }

    /// The target at `problem` with `limits` in the loaded `space`.
    fn with(problem: &str, space: SearchSpace, limits: Limits<'_>) -> Result<Self> {
        let problem = P::from_str(problem)?;
        Self::with_limits(problem, limits_of(limits)?, space)
    }

    /// Validates the problem, arch, space file (for the problem's operation) and template, in
    /// that order; nothing is written.
    pub fn resolve_problem(
        problem: &str,
        arch: Option<&str>,
        space: &Path,
        policy: ArchPolicy,
    ) -> Result<Self> {
        let problem = P::from_str(problem)?;
        let limits = resolve_limits(arch, policy)?;
        Self::with_limits(problem, limits, load_space(space)?)
    }

    fn with_limits(
        shape: P,
        (limits, limits_from): (DeviceLimits, String),
        space: SearchSpace,
    ) -> Result<Self> {
        if space.operation != P::OPERATION {
            return Err(Error::flag(
                P::FLAG,
                format!(
                    "gives a {} problem, and {} is a {} space",
                    P::OPERATION,
                    space.path.display(),
                    space.operation
                ),
            ));
        }
        let template = Template::for_space(&space)?;
        Ok(Target {
            shape,
            limits,
            limits_from,
            space,
            template,
        })
    }

    /// `limit` valid points sampled with `seed`, or all of them; fails as
    /// [`Target::require_valid_points`] does when there is none.
    pub fn points(&self, limit: Option<usize>, seed: u64) -> Result<Vec<Point>> {
        let points = match limit {
            None => self.space.valid_points(&self.shape, &self.limits)?,
            Some(n) => {
                let all = self.space.valid_digits(&self.shape, &self.limits)?;
                let picked = space::sample_points(all, n, seed);
                self.space
                    .points_of_digits(&picked, &self.shape, &self.limits)?
            }
        };
        self.some_points(points)
    }

    /// The point of `--config`, which must satisfy the space's constraints at this problem (an
    /// error naming the flag and the constraints it breaks otherwise).
    pub fn valid_point(&self, config: &str) -> Result<Point> {
        let config = self.space.parse_config(config)?;
        let point = self.space.evaluate(&config, &self.shape, &self.limits)?;
        if !point.is_valid() {
            return Err(Error::flag(
                "--config",
                format!(
                    "{config} breaks constraint(s) at {} {} on {}: {}",
                    P::NOUN,
                    self.shape,
                    self.limits_from,
                    point.violated.join("; ")
                ),
            ));
        }
        Ok(point)
    }

    /// A pairwise covering sample of the valid points (see [`SearchSpace::covering_sample`]).
    pub fn covering_points(&self) -> Result<Vec<Point>> {
        let points = self.space.covering_sample(&self.shape, &self.limits)?;
        self.some_points(points)
    }

    fn some_points(&self, points: Vec<Point>) -> Result<Vec<Point>> {
        if points.is_empty() {
            self.require_valid_points()?;
        }
        Ok(points)
    }

    /// The kernels of the space at the problem.
    pub fn kernels(&self) -> Kernels<'_, P> {
        Kernels::new(&self.space, &self.template, &self.shape, &self.limits)
    }

    /// A compile job (rendered source) for each point.
    pub fn jobs(&self, points: &[Point]) -> Result<Vec<Job>> {
        let kernels = self.kernels();
        points.iter().map(|p| kernels.job(p)).collect()
    }

    /// Fails when no point satisfies the space's constraints, naming the strictest one (the
    /// walk stops at the first valid point; only a space without one is counted in full).
    pub fn require_valid_points(&self) -> Result<()> {
        if self.space.has_valid_point(&self.shape, &self.limits)? {
            return Ok(());
        }
        let census = self.space.census(&self.shape, &self.limits)?;
        let worst = census.rejected_by.iter().max_by_key(|(_, n)| *n);
        let hint = worst
            .map(|(c, n)| format!("; '{c}' rejects {n} of {}", census.raw))
            .unwrap_or_default();
        Err(Error::Space {
            path: self.space.path.clone(),
            message: format!(
                "no point satisfies the constraints at {} {} on {}{hint}",
                P::NOUN,
                self.shape,
                self.limits.arch_name()
            ),
        })
    }
}

fn load_space(path: &Path) -> Result<SearchSpace> {
    if path.is_dir() {
        return Err(Error::Space {
            path: path.to_path_buf(),
            message: "is a directory, not a space file (spaces are files such as \
                      search_spaces/sdpa_fp8.toml)"
                .into(),
        });
    }
    if !path.is_file() {
        let here = match std::env::current_dir() {
            Ok(dir) if path.is_relative() => format!(" in {}", dir.display()),
            _ => String::new(),
        };
        return Err(Error::flag(
            "--space",
            format!(
                "file {} does not exist{here} (spaces live in search_spaces/*.toml of evotune's \
                 repository: run evotune from there, or give --space the file's path)",
                path.display()
            ),
        ));
    }
    space::load(path)
}

/// The limits `limits` names and where they came from.
fn limits_of(limits: Limits<'_>) -> Result<(DeviceLimits, String)> {
    match limits {
        Limits::Offline(arch, policy) => resolve_limits(arch, policy),
        Limits::Device(device) => Ok((device.limits.clone(), device.describe())),
    }
}

fn resolve_limits(arch: Option<&str>, policy: ArchPolicy) -> Result<(DeviceLimits, String)> {
    if let Some(name) = arch {
        let limits = DeviceLimits::for_arch(name).ok_or_else(|| {
            Error::flag(
                "--arch",
                format!("expects a target like sm_90a or sm_89, got '{name}'"),
            )
        })?;
        return Ok((limits, format!("--arch {name}")));
    }
    match (gpu::detect(0), policy) {
        (Ok(dev), _) => Ok((dev.limits, dev.name)),
        (Err(_), ArchPolicy::GpuOrHopper) => Ok((
            DeviceLimits::hopper(),
            "sm_90a (no GPU found; pass --arch to change)".into(),
        )),
        (Err(e), ArchPolicy::GpuOrFlag) => Err(Error::flag(
            "--arch",
            format!("is needed: {e}; pass --arch sm_90a to build for Hopper without one"),
        )),
    }
}

/// `limit` of the valid points `all` sampled with `seed`, or all of them.
pub fn pick(all: Vec<Point>, limit: Option<usize>, seed: u64) -> Vec<Point> {
    match limit {
        Some(n) => crate::space::sample_points(all, n, seed),
        None => all,
    }
}
