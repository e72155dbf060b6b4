//! Speedups with confidence intervals and the statistical verdict of one candidate against a
//! baseline, from kernel-only timing samples (shared by the report and the gate).

use super::format::decimals_apart;
use super::load::RunData;
use crate::artifacts::{BaselineRecord, BaselineStatus, Elite};
use crate::eval::{Timing, TimingProtocol};
use crate::op::{Against, Comparison, Role};
use crate::stats::{cliffs_delta, hedges_g, mann_whitney_u, ratio_of_medians_ci, MannWhitney};

/// Confidence of every interval.
pub const CONFIDENCE: f64 = 0.95;
/// Bootstrap resamples of a ratio of medians.
pub const RESAMPLES: usize = 2000;
/// Seed of the bootstrap: the same samples give the same interval.
pub const SEED: u64 = 0;
/// How intervals are computed, for the report.
pub const CI_METHOD: &str = "95% percentile bootstrap of the ratio of medians (Efron & \
Tibshirani 1993), 2000 resamples per interval, seed 0, kernel-only samples";

/// Kernel-only times of one variant: the median, its CI and the samples (empty when only the
/// summary was recorded, e.g. a replayed run).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Times<'a> {
    /// Median, µs.
    pub p50_us: f64,
    /// 95% CI of the median, µs.
    pub ci_us: Option<(f64, f64)>,
    /// The samples, µs.
    pub samples: &'a [f64],
}

impl<'a> Times<'a> {
    /// From a recorded timing.
    pub fn of(t: &'a Timing) -> Self {
        Times {
            p50_us: t.p50_us,
            ci_us: Some((t.ci_lo_us, t.ci_hi_us)),
            samples: &t.samples_us,
        }
    }

    /// An elite's kernel-only times: its timing with samples, else its tune-log row.
    pub fn of_elite(e: &'a Elite) -> Option<Self> {
        if let Some(t) = &e.kernel_time {
            return Some(Times::of(t));
        }
        let r = &e.record;
        Some(Times {
            p50_us: r.fitness()?,
            ci_us: r.ci_lo_us.zip(r.ci_hi_us),
            samples: &[],
        })
    }

    /// A measured baseline's kernel-only times.
    pub fn of_baseline(b: &'a BaselineRecord) -> Option<Self> {
        (b.status == BaselineStatus::Ok)
            .then_some(b.kernel_time.as_ref())
            .flatten()
            .map(Times::of)
    }

    /// A measured baseline's kernel-only times under `protocol`, when its record has them.
    pub fn of_baseline_in(b: &'a BaselineRecord, protocol: TimingProtocol) -> Option<Self> {
        b.kernel_time_in(protocol).map(Times::of)
    }

    /// An elite's kernel-only times under `protocol`: cold, those of the search
    /// ([`Times::of_elite`]); warm, those its confirmation took in its first fresh process.
    pub fn of_elite_in(e: &'a Elite, protocol: TimingProtocol) -> Option<Self> {
        match protocol {
            TimingProtocol::Cold => Times::of_elite(e),
            TimingProtocol::Warm => e
                .confirmed
                .as_ref()?
                .warm_kernel_time
                .as_ref()
                .map(Times::of),
        }
    }
}

/// A speedup `baseline / candidate` (of medians) and its interval, when samples allow one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speedup {
    /// Ratio of medians.
    pub point: f64,
    /// 95% bootstrap interval; `None` without samples on both sides.
    pub ci: Option<(f64, f64)>,
}

impl Speedup {
    /// The speedup of `candidate` over `baseline`.
    pub fn of(baseline: &Times, candidate: &Times) -> Self {
        if baseline.samples.is_empty() || candidate.samples.is_empty() {
            return Speedup {
                point: baseline.p50_us / candidate.p50_us,
                ci: None,
            };
        }
        let i = ratio_of_medians_ci(
            baseline.samples,
            candidate.samples,
            CONFIDENCE,
            RESAMPLES,
            SEED,
        );
        Speedup {
            point: i.point,
            ci: Some((i.lo, i.hi)),
        }
    }

    /// The lower CI bound, or the point estimate without samples.
    pub fn lower(&self) -> f64 {
        self.ci.map_or(self.point, |c| c.0)
    }

    /// "2.58× [2.57, 2.59]" or "2.58× (no samples)"; near 1, as many decimals as show on which
    /// side of 1 each number lies ("0.998× [0.997, 0.999]").
    pub fn display(&self) -> String {
        self.display_near(&[1.0])
    }

    /// As [`Speedup::display`], with the decimals that tell each number from each of `marks`
    /// (1, a target), the same for the three.
    pub fn display_near(&self, marks: &[f64]) -> String {
        let (lo, hi) = self.ci.unwrap_or((self.point, self.point));
        let d = [self.point, lo, hi]
            .iter()
            .map(|v| decimals_apart(*v, marks))
            .max()
            .unwrap_or(2);
        match self.ci {
            Some((lo, hi)) => format!("{:.d$}× [{lo:.d$}, {hi:.d$}]", self.point),
            None => format!("{:.d$}× (no samples)", self.point),
        }
    }
}

/// The reference points of a run: the baselines of the comparisons by role, and any other.
#[derive(Debug, Clone)]
pub struct Baselines<'a> {
    /// The run, for the baselines named by their records.
    run: &'a RunData,
    /// The timing protocol a role's fastest baseline is picked under (`None`: each record's
    /// kernel-only time as taken).
    protocol: Option<TimingProtocol>,
    /// Baseline A (the unfused path), or why it is missing.
    pub a: Result<&'a BaselineRecord, String>,
    /// Baseline B (the fastest measured fused kernel), or why all are missing.
    pub b: Result<&'a BaselineRecord, String>,
    /// The vendor's kernel at the candidates' precision, or why it is missing.
    pub vendor: Result<&'a BaselineRecord, String>,
}

impl<'a> Baselines<'a> {
    /// Picks each role's baseline from the run's records, the fastest by kernel-only median.
    pub fn of(run: &'a RunData) -> Self {
        Baselines::picked(run, None)
    }

    /// Picks as [`Baselines::of`] does, the fastest by the kernel-only medians under `protocol`.
    pub fn in_protocol(run: &'a RunData, protocol: TimingProtocol) -> Self {
        Baselines::picked(run, Some(protocol))
    }

    fn picked(run: &'a RunData, protocol: Option<TimingProtocol>) -> Self {
        let role = |r| pick(run, protocol, Against::Role(r));
        Baselines {
            run,
            protocol,
            a: role(Role::Unfused),
            b: role(Role::Fused),
            vendor: role(Role::Vendor),
        }
    }

    /// The baselines and comparisons of the run's operation.
    pub fn registry(&self) -> &'static crate::op::Registry {
        self.run.registry
    }

    /// The baseline of comparison `c`, or why it is missing.
    pub fn get(&self, c: &Comparison) -> Result<&'a BaselineRecord, String> {
        pick(self.run, self.protocol, c.against)
    }

    /// The baselines the run has measured (with a kernel-only time), by record name.
    pub fn measured_names(&self) -> Vec<&'a str> {
        self.run
            .baselines
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|r| measured(r).is_ok()))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// The one baseline `against` names, or the fastest measured of several under `protocol`
/// (why each is missing, by name, when all are).
fn pick(
    run: &RunData,
    protocol: Option<TimingProtocol>,
    against: Against,
) -> Result<&BaselineRecord, String> {
    let members = run.registry.members(against);
    if let [one] = members[..] {
        return run.baseline(one).and_then(measured);
    }
    let found: Vec<Result<&BaselineRecord, String>> = members
        .iter()
        .map(|n| {
            run.baseline(n)
                .and_then(measured)
                .map_err(|e| format!("{n}: {e}"))
        })
        .collect();
    let p50 = |r: &BaselineRecord| p50_in(r, protocol);
    found
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .min_by(|x, y| p50(x).total_cmp(&p50(y)))
        .ok_or_else(|| {
            let why: Vec<String> = found.iter().filter_map(|r| r.clone().err()).collect();
            why.join("; ")
        })
}

/// The kernel-only median under `protocol` (`None`: as the record took it), infinite without one.
fn p50_in(r: &BaselineRecord, protocol: Option<TimingProtocol>) -> f64 {
    let times = match protocol {
        Some(p) => Times::of_baseline_in(r, p),
        None => Times::of_baseline(r),
    };
    times.map_or(f64::INFINITY, |t| t.p50_us)
}

/// A baseline with a kernel-only number, or why it has none.
pub(crate) fn measured(b: &BaselineRecord) -> Result<&BaselineRecord, String> {
    match (b.status, &b.kernel_time) {
        (BaselineStatus::Ok, Some(_)) => Ok(b),
        (BaselineStatus::Ok, None) => Err("measured, but without a kernel-only time".into()),
        (BaselineStatus::Unavailable, _) => Err(format!(
            "unavailable: {}",
            b.reason.as_deref().unwrap_or("no reason recorded")
        )),
    }
}

/// A speedup asked for over a baseline that needs less time than the run's floor (one kernel
/// that only reads the inputs and writes the output, timed the same way): no kernel can reach it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BelowFloor {
    /// The speedup asked for.
    pub min: f64,
    /// The time it needs, µs (the baseline's kernel-only median ÷ `min`).
    pub needed_us: f64,
    /// The floor's kernel-only median, µs.
    pub floor_us: f64,
    /// What the floor does, in words ("reads Q, K, V and writes O").
    pub floor_does: &'static str,
}

impl BelowFloor {
    /// When `min`× over baseline `vs` needs less time than the run's measured floor, both under
    /// `protocol`.
    pub fn of(
        run: &RunData,
        vs: &Comparison,
        min: f64,
        protocol: TimingProtocol,
    ) -> Option<BelowFloor> {
        let in_protocol = |r| Times::of_baseline_in(r, protocol);
        let base = Baselines::in_protocol(run, protocol)
            .get(vs)
            .ok()
            .and_then(in_protocol)?;
        let floor = run
            .baseline(run.registry.floor()?)
            .ok()
            .and_then(in_protocol)?;
        let needed_us = base.p50_us / min;
        (needed_us < floor.p50_us).then_some(BelowFloor {
            min,
            needed_us,
            floor_us: floor.p50_us,
            floor_does: run.registry.floor_does,
        })
    }

    /// "15× needs ≤ 2.28 µs, under the floor of 6.21 µs (...)".
    pub fn describe(&self) -> String {
        format!(
            "{}× needs ≤ {:.2} µs, under the floor of {:.2} µs (one kernel that only {}, timed \
             the same way)",
            self.min, self.needed_us, self.floor_us, self.floor_does
        )
    }
}

/// The statistical comparison of a candidate with a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Ratio of medians with its interval.
    pub speedup: Speedup,
    /// Whether the 95% CIs of the two medians overlap (`None` when one is not recorded).
    pub ci_overlap: Option<bool>,
    /// Hedges' g of (baseline, candidate): positive when the candidate is faster.
    pub hedges_g: Option<f64>,
    /// Cliff's delta of (baseline, candidate): positive when the candidate is faster.
    pub cliffs_delta: Option<f64>,
    /// Two-sided Mann–Whitney U test.
    pub mann_whitney: Option<MannWhitney>,
}

impl Verdict {
    /// Compares `candidate` with `baseline`.
    pub fn of(baseline: &Times, candidate: &Times) -> Self {
        let (b, c) = (baseline.samples, candidate.samples);
        let have = !b.is_empty() && !c.is_empty();
        Verdict {
            speedup: Speedup::of(baseline, candidate),
            ci_overlap: baseline
                .ci_us
                .zip(candidate.ci_us)
                .map(|(x, y)| x.0.max(y.0) <= x.1.min(y.1)),
            hedges_g: have.then(|| hedges_g(b, c)),
            cliffs_delta: have.then(|| cliffs_delta(b, c)),
            mann_whitney: mann_whitney_u(b, c),
        }
    }

    /// One sentence: faster, slower, or no difference shown, and on what grounds.
    pub fn conclusion(&self) -> String {
        let (Some((lo, hi)), Some(mw)) = (self.speedup.ci, self.mann_whitney) else {
            return "medians only (no samples): no test possible".into();
        };
        let significant = mw.p_value < 1.0 - CONFIDENCE;
        match (lo > 1.0, hi < 1.0, significant) {
            (true, _, true) => "faster: the speedup's 95% CI lies above 1 and p < 0.05".into(),
            (_, true, true) => "slower: the speedup's 95% CI lies below 1 and p < 0.05".into(),
            _ => "no difference shown at 95% confidence".into(),
        }
    }
}
