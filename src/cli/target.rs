//! Validated problem and target: the shape, the device limits, the space and its template.

use crate::compile::Job;
use crate::error::{Error, Result};
use crate::gpu;
use crate::kernel::Kernels;
use crate::shape::Shape;
use crate::space::{self, DeviceLimits, Point, SearchSpace};
use crate::template::Template;
use std::path::Path;

/// What a command needs to turn configs into kernels for one shape on one target.
pub struct Target {
    /// The problem shape.
    pub shape: Shape,
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

impl Target {
    /// Validates shape, arch, space file and template, in that order; nothing is written.
    pub fn resolve(
        shape: &str,
        arch: Option<&str>,
        space: &Path,
        policy: ArchPolicy,
    ) -> Result<Target> {
        let shape = Shape::parse(shape)?;
        let (limits, limits_from) = resolve_limits(arch, policy)?;
        Target::with_limits(shape, limits, limits_from, space)
    }

    /// Like [`Target::resolve`], with the limits of an open GPU.
    pub fn on_device(shape: &str, space: &Path, device: &gpu::DeviceInfo) -> Result<Target> {
        let shape = Shape::parse(shape)?;
        let from = format!("{} ({})", device.name, device.ordinal);
        Target::with_limits(shape, device.limits.clone(), from, space)
    }

    fn with_limits(
        shape: Shape,
        limits: DeviceLimits,
        limits_from: String,
        space: &Path,
    ) -> Result<Target> {
        let space = load_space(space)?;
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
        let all = self.space.valid_points(&self.shape, &self.limits)?;
        self.some_points(pick(all, limit, seed))
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
    pub fn kernels(&self) -> Kernels<'_> {
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
                "no point satisfies the constraints at shape {} on {}{hint}",
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
        return Err(Error::flag(
            "--space",
            format!(
                "file {} does not exist (spaces live in search_spaces/*.toml)",
                path.display()
            ),
        ));
    }
    space::load(path)
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
