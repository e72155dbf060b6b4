//! `sweep.json`: the campaign as resolved (settings and problems) and each problem's status,
//! rewritten atomically after every change so that a killed sweep can be resumed from it.

use crate::artifacts::{read_json, DatabaseChoice};
use crate::cli::args::SearchKind;
use crate::cli::run_dir::write_json;
use crate::error::Result;
use crate::op::{Gemm, Operation, ProblemSpec};
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name inside the sweep folder.
pub const INDEX_FILE: &str = "sweep.json";

/// The settings every problem shares, as `--resume` needs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSettings {
    /// The search space.
    pub space: PathBuf,
    /// Seed of every search.
    pub seed: u64,
    /// GA members per generation.
    pub population: usize,
    /// GA elites.
    pub elites: usize,
    /// GPU ordinals (empty: GPU 0, or none when replaying).
    pub devices: Vec<u32>,
    /// Target arch, when given.
    pub arch: Option<String>,
    /// One recorded log answering every problem.
    pub replay: Option<PathBuf>,
    /// The problem `replay` was recorded on: its answers stand in for every other problem's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_recorded_on: Option<ProblemSpec>,
    /// A folder of recorded logs, `<B-H-S-D>.csv[.gz]` (`<M-N-K>.csv[.gz]`) per problem.
    pub replay_dir: Option<PathBuf>,
    /// Timed repetitions per method.
    pub reps: u32,
    /// Absolute tolerance, when given.
    pub atol: Option<f64>,
    /// Relative tolerance, when given.
    pub rtol: Option<f64>,
    /// Screening time per method, seconds.
    pub timing_seconds: f64,
    /// Whether every candidate is timed in full (`--no-race`); absent in older sweeps (racing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_race: bool,
    /// Elites confirmed after each live search.
    pub confirm_top: usize,
    /// Fresh processes per confirmed elite.
    pub confirm_processes: u32,
    /// Watchdog limit per candidate, seconds.
    pub timeout: u64,
    /// Whether each problem opens with the database's configs for its nearest problems.
    #[serde(default)]
    pub warm_start: bool,
    /// Every problem's search (absent in sweeps from before the choice: generational).
    #[serde(default = "generational", skip_serializing_if = "is_generational")]
    pub search: SearchKind,
    /// Candidates in flight with the steady search.
    #[serde(default = "default_window", skip_serializing_if = "is_default_window")]
    pub window: usize,
    /// The tuning database each problem is recorded in, when the command named one or none
    /// (absent: the default database); `--resume` keeps it unless given `--db` or `--no-db`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseChoice>,
}

fn generational() -> SearchKind {
    SearchKind::Generational
}

fn is_generational(s: &SearchKind) -> bool {
    *s == SearchKind::Generational
}

fn default_window() -> usize {
    crate::evolve::DEFAULT_WINDOW
}

fn is_default_window(w: &usize) -> bool {
    *w == default_window()
}

/// Where a problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not tuned yet, or stopped part-way (its run folder then holds a log to resume).
    Pending,
    /// Tuned to its budget.
    Done,
    /// Stopped by an error, given in `reason`; `--resume` tries it again.
    Failed,
}

/// One problem of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemEntry {
    /// The problem's name: its run folder's, `B-H-S-D` (a GEMM's `M-N-K`).
    pub name: String,
    /// The operation; left out for SDPA (as in sweeps from before GEMM).
    #[serde(default = "sdpa", skip_serializing_if = "is_sdpa")]
    pub operation: Operation,
    /// The problem as its flag takes it: `B,H,S,D` (`--shape`) or `M,N,K` (`--gemm`).
    pub shape: String,
    /// Distinct configurations to evaluate.
    pub budget: usize,
    /// Its `--set` overrides, `NAME=V1,V2` each (the sweep's and its own, merged).
    pub set: Vec<String>,
    /// Where it stands.
    pub status: Status,
    /// Its run folder, relative to the sweep folder.
    pub run: PathBuf,
    /// The best kernel-only p50, µs (done problems with a passing config).
    pub best_p50_us: Option<f64>,
    /// The best config, `K=V,...`.
    pub best_config: Option<String>,
    /// Trials evaluated.
    pub trials: Option<usize>,
    /// Trials that failed (compile, validation, launch, timeout, absent).
    pub failures: Option<usize>,
    /// Why it failed, or a note on a done one (no config passed validation).
    pub reason: Option<String>,
    /// When it was last finished or failed, UTC `YYYYMMDD-HHMMSS`.
    pub finished_utc: Option<String>,
    /// Set when its answers come from a log recorded on another problem (the sweep's
    /// `--replay FILE`): that problem. They are a stand-in, not measurements of this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers_recorded_on: Option<ProblemSpec>,
}

fn sdpa() -> Operation {
    Operation::Sdpa
}

fn is_sdpa(op: &Operation) -> bool {
    *op == Operation::Sdpa
}

impl ProblemEntry {
    /// The problem, parsed as its operation's (an error names the bad value).
    pub fn problem(&self) -> Result<ProblemSpec> {
        Ok(match self.operation {
            Operation::Sdpa => Shape::parse(&self.shape)?.into(),
            Operation::Gemm => self.shape.parse::<Gemm>()?.into(),
        })
    }
}

/// The whole `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepIndex {
    /// When the sweep was first started, UTC `YYYYMMDD-HHMMSS`.
    pub started_utc: String,
    /// The command line that started it.
    pub command: Vec<String>,
    /// The settings every problem shares.
    pub settings: SweepSettings,
    /// The problems, in the order they are tuned.
    pub problems: Vec<ProblemEntry>,
}

impl SweepIndex {
    /// Reads `dir/sweep.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        read_json(&dir.join(INDEX_FILE))
    }

    /// Writes `dir/sweep.json` atomically (a kill leaves the old or the new one).
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_json(&dir.join(INDEX_FILE), self)
    }

    /// How many problems have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.problems.iter().filter(|p| p.status == status).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> ProblemEntry {
        serde_json::from_str(text).unwrap()
    }

    /// A sweep from before GEMM (no `operation`) reads as SDPA's, and an SDPA entry is written
    /// without one, as it was; a GEMM entry says it is one.
    #[test]
    fn an_entry_names_its_operation_only_when_it_is_not_sdpa() {
        let old = r#"{"name":"2-8-512-64","shape":"2,8,512,64","budget":8,"set":[],
            "status":"pending","run":"2-8-512-64","best_p50_us":null,"best_config":null,
            "trials":null,"failures":null,"reason":null,"finished_utc":null}"#;
        let sdpa = entry(old);
        assert_eq!(sdpa.operation, Operation::Sdpa);
        assert_eq!(sdpa.problem().unwrap().to_string(), "2,8,512,64");
        let written = serde_json::to_value(&sdpa).unwrap();
        assert!(written.get("operation").is_none(), "{written}");
        let mut gemm = sdpa.clone();
        (gemm.operation, gemm.shape) = (Operation::Gemm, "64,64,96".into());
        let back = entry(&serde_json::to_string(&gemm).unwrap());
        assert_eq!(back.operation, Operation::Gemm);
        assert_eq!(back.problem().unwrap().gemm().map(|g| g.k), Some(96));
        gemm.shape = "64,64".into();
        assert!(gemm.problem().unwrap_err().to_string().contains("M,N,K"));
    }

    /// A committed sweep from before the search choice (no `search` in its settings) reads as
    /// the generational search it ran, whatever the default is now.
    #[test]
    fn a_sweep_from_before_the_search_choice_reads_as_generational() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sweeps/h200-20261203/sweep.json");
        let index: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(index["settings"].get("search").is_none());
        let settings: SweepSettings = serde_json::from_value(index["settings"].clone()).unwrap();
        assert_eq!(settings.search, SearchKind::Generational);
    }
}
