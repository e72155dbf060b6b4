//! Submitting a script with `sbatch --parsable`, which prints `JOBID` or `JOBID;CLUSTER`.

use crate::error::{Error, Result};
use std::path::Path;
use std::process::Command;

/// Submits `script`; returns the job id.
pub fn submit(script: &Path) -> Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(script)
        .output()
        .map_err(|e| {
            Error::Other(format!(
                "cannot run sbatch ({e}): --slurm needs Slurm's client commands on PATH \
                 (--slurm-dry-run only writes the script)"
            ))
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(Error::Other(format!(
            "sbatch refused {}: {}",
            script.display(),
            stderr.trim()
        )));
    }
    job_id(&stdout).ok_or_else(|| {
        Error::Other(format!(
            "sbatch printed no job id: '{}' {}",
            stdout.trim(),
            stderr.trim()
        ))
    })
}

/// The job id in sbatch's parsable output.
pub fn job_id(stdout: &str) -> Option<String> {
    let id = stdout.lines().last()?.split(';').next()?.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsable_output_gives_the_job_id() {
        assert_eq!(job_id("1234\n").as_deref(), Some("1234"));
        assert_eq!(job_id("77;cluster-a\n").as_deref(), Some("77"));
        assert_eq!(job_id("Submitted batch job 5\n"), None);
        assert_eq!(job_id(""), None);
    }
}
