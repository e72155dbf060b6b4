//! `<sweep>/slurm/jobs.json`: the job arrays submitted for a sweep and the options of the
//! last one, so that `--status` knows which jobs to ask about and a re-submission can leave
//! its flags out.

use super::flags::SlurmOptions;
use crate::artifacts::read_json;
use crate::cli::run_dir::write_json;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One `sbatch` of the sweep's script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The array job's id.
    pub job_id: String,
    /// The problems (array indices) it holds.
    pub tasks: Vec<usize>,
    /// When it was submitted, UTC `YYYYMMDD-HHMMSS`.
    pub submitted_utc: String,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlurmRecord {
    /// The options of the last submission.
    pub options: SlurmOptions,
    /// Every submission, oldest first.
    pub jobs: Vec<Submission>,
}

/// The folder of the script, its tasks' output and this record.
pub fn slurm_dir(sweep_dir: &Path) -> PathBuf {
    sweep_dir.join("slurm")
}

fn path(sweep_dir: &Path) -> PathBuf {
    slurm_dir(sweep_dir).join("jobs.json")
}

impl SlurmRecord {
    /// The record of the sweep in `sweep_dir` (empty before its first submission).
    pub fn read(sweep_dir: &Path) -> Result<Self> {
        let p = path(sweep_dir);
        match p.is_file() {
            true => read_json(&p),
            false => Ok(SlurmRecord::default()),
        }
    }

    /// Writes it atomically.
    pub fn write(&self, sweep_dir: &Path) -> Result<()> {
        write_json(&path(sweep_dir), self)
    }

    /// The ids of the submitted jobs, oldest first.
    pub fn job_ids(&self) -> Vec<String> {
        self.jobs.iter().map(|j| j.job_id.clone()).collect()
    }
}
