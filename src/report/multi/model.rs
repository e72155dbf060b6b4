//! The multi-shape report's data: each problem with evotune's best and every baseline its run
//! recorded, whichever source it came from (a sweep folder or the tuning database).

use crate::op::{Operation, ProblemSpec, Role};
use crate::report::compare::Times;
use crate::shape::Shape;

/// The vendors' kernels of `operation` (SDPA's fused kernels, GEMM's cuBLASLt FP8), by record
/// name, from its registry: evotune's speed ratio is taken over the fastest a problem measured.
pub fn vendors(operation: Operation) -> impl Iterator<Item = &'static str> {
    operation
        .registry()
        .baselines
        .iter()
        .filter(|b| b.role.is_vendor())
        .map(|b| b.name)
}

/// A kernel-only time: the median, its 95% CI when recorded, the samples when kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Time {
    /// Median, µs.
    pub p50_us: f64,
    /// 95% CI of the median, µs.
    pub ci_us: Option<(f64, f64)>,
    /// The samples, µs (empty when only the summary was kept).
    pub samples: Vec<f64>,
}

impl Time {
    /// A median without CI or samples.
    pub fn median(p50_us: f64) -> Time {
        Time {
            p50_us,
            ci_us: None,
            samples: Vec::new(),
        }
    }

    /// As the single-run report's comparisons take it.
    pub fn times(&self) -> Times<'_> {
        Times {
            p50_us: self.p50_us,
            ci_us: self.ci_us,
            samples: &self.samples,
        }
    }

    /// TFLOP/s at `problem`: its own flops (4·D per attended pair, 2·M·N·K for a GEMM) over
    /// the median.
    pub fn tflops(&self, problem: &ProblemSpec) -> f64 {
        problem.flops() / self.p50_us / 1e6
    }
}

/// evotune's best config at a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// Its kernel-only time.
    pub time: Time,
    /// The config, `K=V,...`.
    pub config: String,
    /// Its kernel family (`mma`, `wgmma`), when known.
    pub family: Option<String>,
    /// The problem its answers were recorded on, when a replayed log of another problem stood
    /// in for this one: its time is no measurement of this problem.
    pub stand_in: Option<String>,
}

/// What evotune has at a problem.
#[derive(Debug, Clone, PartialEq)]
pub enum Tuned {
    /// A best config.
    Best(Best),
    /// The problem failed (the sweep's reason).
    Failed(String),
    /// No best for another reason: not tuned yet, no trial passed validation, files missing.
    Missing(String),
}

/// A baseline record of a problem: its kernel-only time, or why it has none ("unavailable: ...").
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineResult {
    /// The record's name, e.g. `flash`, `cudnn_fp8`, `floor`.
    pub name: String,
    /// Its time, or why there is none.
    pub time: Result<Time, String>,
}

/// One problem of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemResult {
    /// The problem: an attention shape or a GEMM.
    pub problem: ProblemSpec,
    /// evotune's result.
    pub tuned: Tuned,
    /// The baseline records its run holds (those it lacks are not listed).
    pub baselines: Vec<BaselineResult>,
}

/// A method of the report: evotune's best or a baseline, by record name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// evotune's best config.
    Evotune,
    /// A baseline.
    Baseline(String),
}

impl Method {
    /// `evotune` or the baseline's record name.
    pub fn name(&self) -> &str {
        match self {
            Method::Evotune => "evotune",
            Method::Baseline(n) => n,
        }
    }

    /// Whether it computes the operation (every method but the floor, of either registry).
    pub fn is_attention(&self) -> bool {
        let floor = |op: &Operation| op.registry().has_role(self.name(), Role::Floor);
        !Operation::ALL.iter().any(floor)
    }
}

impl ProblemResult {
    /// The problem's full text, as its flag reads it: `1,32,8192,128,causal,kv_heads=8` (a
    /// GEMM's `8192,8192,4096`).
    pub fn label(&self) -> String {
        self.problem.to_string()
    }

    /// The attention shape, if it is an SDPA problem.
    pub fn shape(&self) -> Option<&Shape> {
        self.problem.sdpa()
    }

    /// evotune's best, if any.
    pub fn best(&self) -> Option<&Best> {
        match &self.tuned {
            Tuned::Best(b) => Some(b),
            _ => None,
        }
    }

    /// The record of baseline `name`, if the run holds one.
    pub fn baseline(&self, name: &str) -> Option<&BaselineResult> {
        self.baselines.iter().find(|b| b.name == name)
    }

    /// The measured time of `m`, if any (a stand-in best's is not a measurement of this
    /// problem, so none).
    pub fn time_of(&self, m: &Method) -> Option<&Time> {
        match m {
            Method::Evotune => self
                .best()
                .filter(|b| b.stand_in.is_none())
                .map(|b| &b.time),
            Method::Baseline(n) => self.baseline(n)?.time.as_ref().ok(),
        }
    }

    /// TFLOP/s of `m`, if measured.
    pub fn tflops_of(&self, m: &Method) -> Option<f64> {
        Some(self.time_of(m)?.tflops(&self.problem))
    }

    /// The fastest vendor kernel of its operation measured, by name.
    pub fn best_vendor(&self) -> Option<(&str, &Time)> {
        vendors(self.problem.operation())
            .filter_map(|n| Some((n, self.baseline(n)?.time.as_ref().ok()?)))
            .min_by(|a, b| a.1.p50_us.total_cmp(&b.1.p50_us))
    }
}

/// The baselines any problem recorded: those of the registries in their order (SDPA's, then
/// GEMM's), then any other names in alphabetical order.
pub fn baseline_names(problems: &[ProblemResult]) -> Vec<String> {
    let mut names: Vec<String> = problems
        .iter()
        .flat_map(|p| p.baselines.iter().map(|b| b.name.clone()))
        .collect();
    names.sort_by_key(|n| (rank(n), n.clone()));
    names.dedup();
    names
}

fn rank(name: &str) -> usize {
    let mut names = Operation::ALL.iter().flat_map(|op| op.registry().names());
    names.position(|b| b == name).unwrap_or(usize::MAX)
}

/// evotune, then every baseline any problem recorded.
pub fn methods(problems: &[ProblemResult]) -> Vec<Method> {
    let baselines = baseline_names(problems).into_iter().map(Method::Baseline);
    std::iter::once(Method::Evotune).chain(baselines).collect()
}
