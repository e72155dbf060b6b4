//! The files of a run folder (`artifacts/<run_id>/`) as types, shared by the stages that write
//! them (tune, baseline, ncu) and those that read them (report, gate).
//!
//! ```text
//! artifacts/<run_id>/
//!   manifest.json           Manifest: environment, command line, search settings
//!   bench/baseline_*.json   BaselineRecord: one baseline of the operation's registry
//!   tune/tune_log.csv       tunelog: one row per trial (its problem: the manifest's)
//!   tune/topk.json          TopK: the elites with full records
//!   ncu/summary.json        written by `evotune ncu`
//!   kernels/<hash>.cu       rendered source of every elite
//! ```

mod baseline;
mod log_problem;
mod manifest;
mod topk;

pub use baseline::{tflops, BaselineRecord, BaselineStatus, Validation};
pub use log_problem::{sidecar, LogProblem, LoggedProblem, SIDECAR_SUFFIX};
pub use manifest::{DatabaseChoice, Environment, Manifest, SearchSettings, StandIn, WarmSeed};
pub use topk::{Confirmation, Elite, TopK, WallTimes};

use std::path::{Path, PathBuf};

/// The well-known paths inside one run folder.
#[derive(Debug, Clone)]
pub struct RunPaths {
    /// The run folder itself.
    pub root: PathBuf,
}

impl RunPaths {
    /// Paths under `root`.
    pub fn new(root: &Path) -> Self {
        RunPaths {
            root: root.to_path_buf(),
        }
    }

    /// The run id: the folder's name.
    pub fn run_id(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    }

    /// `manifest.json`.
    pub fn manifest(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    /// `bench/baseline_<name>.json`.
    pub fn baseline(&self, name: &str) -> PathBuf {
        self.root
            .join("bench")
            .join(format!("baseline_{name}.json"))
    }

    /// `tune/tune_log.csv`.
    pub fn tune_log(&self) -> PathBuf {
        self.root.join("tune").join("tune_log.csv")
    }

    /// `tune/topk.json`.
    pub fn topk(&self) -> PathBuf {
        self.root.join("tune").join("topk.json")
    }

    /// `ncu/`.
    pub fn ncu_dir(&self) -> PathBuf {
        self.root.join("ncu")
    }

    /// `kernels/`.
    pub fn kernels_dir(&self) -> PathBuf {
        self.root.join("kernels")
    }
}

/// Reads and parses a JSON artifact, naming the file in any error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> crate::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io("read", path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| crate::Error::Other(format!("{}: not a valid artifact: {e}", path.display())))
}
