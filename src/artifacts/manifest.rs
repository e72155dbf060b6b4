//! `manifest.json`: what ran, where, and how — enough to reproduce the run and to trust its numbers.

use crate::eval::{RaceSettings, TimingPlan, Tolerance};
use crate::evolve::{GaSettings, SearchMode};
use crate::op::ProblemSpec;
use crate::space::Overrides;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The run folder's name.
    pub run_id: String,
    /// When the run started, UTC `YYYYMMDD-HHMMSS`.
    pub started_utc: String,
    /// The command line, argv as given.
    pub command: Vec<String>,
    /// evotune's version.
    pub evotune_version: String,
    /// The commit the evotune binary was built from ("-dirty" when its tree had uncommitted
    /// changes); absent in manifests written before it was recorded.
    #[serde(default)]
    pub build_commit: Option<String>,
    /// `git rev-parse HEAD` of the working tree, when it is a git checkout.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// The problem (SDPA's shape, or a GEMM's M, N, K).
    pub shape: ProblemSpec,
    /// The space file.
    pub space: PathBuf,
    /// The compile target, e.g. "sm_90a".
    pub arch: String,
    /// Pass/fail bounds of validation.
    pub tolerance: Tolerance,
    /// How candidates were timed; `None` when the answers came from a replayed log.
    #[serde(default)]
    pub timing: Option<TimingPlan>,
    /// Where measurements came from: "gpu" or `replay <file>`.
    pub evaluator: String,
    /// Set when the replayed log was recorded on another problem than this run's (a sweep's
    /// `--replay FILE` answers every problem from one log); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_in: Option<StandIn>,
    /// The search's settings.
    pub search: SearchSettings,
    /// The machine.
    pub environment: Environment,
}

/// Answers taken from a log recorded on another problem: the times are that problem's, and so
/// are the TFLOP/s worked out from them at this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandIn {
    /// The problem the replayed log was recorded on.
    pub recorded_on: ProblemSpec,
    /// The same, in words, for a reader of the manifest.
    pub note: String,
}

impl StandIn {
    /// The stand-in for a run at `run` answered from a log recorded on `recorded_on`; `None`
    /// when they are the same problem.
    pub fn of(recorded_on: ProblemSpec, run: ProblemSpec) -> Option<StandIn> {
        (recorded_on != run).then(|| StandIn {
            recorded_on,
            note: format!(
                "the answers are measurements at {recorded_on} standing in for {run}: a log \
                 recorded on another problem, not measurements of this one"
            ),
        })
    }
}

/// The search's settings, as resolved from the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    /// Distinct configs to evaluate.
    pub budget: usize,
    /// Seed of the search.
    pub seed: u64,
    /// The GA's knobs.
    pub ga: GaSettings,
    /// Which search ran: generational, or steady with its window (a manifest from before the
    /// choice: generational).
    #[serde(default)]
    pub mode: SearchMode,
    /// GPU ordinals evaluating trials.
    pub devices: Vec<u32>,
    /// The `--set` restrictions of the space's parameters (absent when none); `--resume`
    /// applies them again.
    #[serde(default, skip_serializing_if = "Overrides::is_empty")]
    pub overrides: Overrides,
    /// The configs a `--warm-start` opened the first generation with (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warm_start: Vec<WarmSeed>,
    /// How a live run raced its candidates against the elites (absent: every candidate timed
    /// in full, as with `--no-race`, a replayed run, or a run from before racing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceSettings>,
    /// The tuning database the run is recorded in at its end, when the command named one or
    /// none (absent: the default database, as in manifests written before it was kept);
    /// `--resume` keeps it unless given `--db` or `--no-db` again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseChoice>,
}

/// Where a run's result goes, as its command chose: `"none"` (`--no-db`) or `{"file": F}`
/// (`--db F`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseChoice {
    /// Not recorded in any database.
    None,
    /// Recorded in this file.
    File(PathBuf),
}

/// One config a warm start seeded, with where it came from (the manifest keeps these, and
/// `--resume` seeds the same ones whatever the database holds by then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmSeed {
    /// The repaired config, `K=V,...`, a valid point of the new space.
    pub config: String,
    /// The row it came from: `row <id>: <problem>, <p50> µs, distance <d>`.
    pub from: String,
}

/// The machine a run measured on; every field is optional because a replayed run has no GPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// GPU name, e.g. "NVIDIA H100 80GB HBM3".
    #[serde(default)]
    pub gpu: Option<String>,
    /// NVIDIA driver version, e.g. "580.159.04".
    #[serde(default)]
    pub driver: Option<String>,
    /// CUDA version the driver supports, e.g. "13.0".
    #[serde(default)]
    pub cuda: Option<String>,
    /// NVRTC version used to compile, e.g. "13.0".
    #[serde(default)]
    pub nvrtc: Option<String>,
    /// SM clock when the run started, MHz.
    #[serde(default)]
    pub sm_clock_mhz: Option<u32>,
    /// Memory clock when the run started, MHz.
    #[serde(default)]
    pub mem_clock_mhz: Option<u32>,
    /// Host name.
    #[serde(default)]
    pub host: Option<String>,
}
