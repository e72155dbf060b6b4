//! What a tune log's rows were measured on, so that a replay answers only for that problem:
//! `<log>.problem.json` beside the log (written by `evotune record`), or, for a tune run's own
//! log (`RUN/tune/tune_log.csv`), the run's `manifest.json`.

use super::{read_json, Manifest, RunPaths};
use crate::error::{Error, Result};
use crate::op::ProblemSpec;
use crate::shape::Shape;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What the sidecar's name adds to the log's: `land.csv` -> `land.csv.problem.json`.
pub const SIDECAR_SUFFIX: &str = ".problem.json";

/// The problem a log was recorded on (SDPA's shape unless said; a GEMM's `{"m","n","k"}` for a
/// GEMM log), and the GPU when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogProblem<P = Shape> {
    /// The problem every row was measured at.
    pub shape: P,
    /// The GPU's name, e.g. "NVIDIA H100 80GB HBM3".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Where the problem of the log at `log` is declared: `<log>.problem.json`.
pub fn sidecar(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_os_string();
    name.push(SIDECAR_SUFFIX);
    PathBuf::from(name)
}

/// A problem a log can be recorded on: written and read as JSON, shown and parsed as its flag's
/// text, and found in a run's manifest (SDPA's shape, a GEMM).
pub trait LoggedProblem:
    Serialize
    + DeserializeOwned
    + Display
    + FromStr<Err = Error>
    + TryFrom<ProblemSpec>
    + Copy
    + PartialEq
{
}

impl<P> LoggedProblem for P where
    P: Serialize
        + DeserializeOwned
        + Display
        + FromStr<Err = Error>
        + TryFrom<ProblemSpec>
        + Copy
        + PartialEq
{
}

impl<P: LoggedProblem> LogProblem<P> {
    /// Writes `<log>.problem.json` (atomically: a kill leaves the old file or the new one).
    pub fn write(&self, log: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self).expect("a problem serializes");
        text.push('\n');
        crate::compile::write_atomic(&sidecar(log), text.as_bytes())
    }

    /// The problem of the log at `log`: its sidecar's, else (a tune run's own log) the run's when
    /// it is a problem of this type, else `None`: the log does not say.
    pub fn of(log: &Path) -> Result<Option<LogProblem<P>>> {
        let declared = sidecar(log);
        if declared.is_file() {
            let p: LogProblem<P> = read_json(&declared)?;
            let shape = P::from_str(&p.shape.to_string()).map_err(|e| {
                Error::Other(format!("{}: not a valid problem: {e}", declared.display()))
            })?;
            return Ok(Some(LogProblem { shape, ..p }));
        }
        Ok(run_of(log).and_then(|m| {
            let shape = m.stand_in.map_or(m.shape, |s| s.recorded_on);
            Some(LogProblem {
                shape: P::try_from(shape).ok()?,
                device: m.environment.gpu,
            })
        }))
    }
}

/// The manifest of the run whose own log `log` is (`RUN/tune/tune_log.csv`), if readable.
fn run_of(log: &Path) -> Option<Manifest> {
    let tune = log.parent()?;
    let run = RunPaths::new(tune.parent()?);
    if run.tune_log().file_name() != log.file_name() || tune.file_name()? != "tune" {
        return None;
    }
    read_json(&run.manifest()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sidecar_is_named_after_the_whole_log_name() {
        assert_eq!(
            sidecar(Path::new("d/land.csv.gz")),
            Path::new("d/land.csv.gz.problem.json")
        );
    }

    #[test]
    fn a_written_problem_reads_back_and_a_log_without_one_says_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("land.csv");
        assert_eq!(LogProblem::<Shape>::of(&log).unwrap(), None);
        let p = LogProblem {
            shape: Shape::parse("1,32,8192,128,causal,kv_heads=8").unwrap(),
            device: Some("NVIDIA H200".into()),
        };
        p.write(&log).unwrap();
        assert_eq!(LogProblem::<Shape>::of(&log).unwrap(), Some(p));
    }

    /// A copy of the committed H100 run at 2,8,512,64 under `dir`, its manifest edited by `edit`.
    fn run_copy(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/runs/h100-tune-2-8-512-64");
        let run = RunPaths::new(&dir.join("run"));
        std::fs::create_dir_all(run.root.join("tune")).unwrap();
        std::fs::copy(fixture.join("tune/tune_log.csv"), run.tune_log()).unwrap();
        let text = std::fs::read_to_string(fixture.join("manifest.json")).unwrap();
        let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut manifest);
        std::fs::write(run.manifest(), manifest.to_string()).unwrap();
        run.tune_log()
    }

    #[test]
    fn a_run_log_is_of_its_runs_problem_or_of_the_problem_that_stood_in() {
        let dir = tempfile::tempdir().unwrap();
        let log = run_copy(dir.path(), |_| {});
        let p = LogProblem::<Shape>::of(&log).unwrap().unwrap();
        assert_eq!(p.shape, Shape::dense(2, 8, 512, 64));
        assert_eq!(p.device.as_deref(), Some("NVIDIA H100 80GB HBM3"));
        let stand_in =
            super::super::StandIn::of(Shape::dense(1, 8, 512, 64).into(), p.shape.into());
        let log = run_copy(dir.path(), |m| {
            m["stand_in"] = serde_json::to_value(stand_in).unwrap();
        });
        let p = LogProblem::<Shape>::of(&log).unwrap().unwrap();
        assert_eq!(p.shape, Shape::dense(1, 8, 512, 64));
        let other = dir.path().join("run/tune/other.csv");
        std::fs::copy(&log, &other).unwrap();
        assert_eq!(
            LogProblem::<Shape>::of(&other).unwrap(),
            None,
            "only the run's own log"
        );
    }

    /// A hand-written sidecar that spells out kv_heads = H reads as the plain problem.
    #[test]
    fn a_declared_problem_is_normalized_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("land.csv");
        let text = r#"{"shape": {"b": 2, "h": 8, "s": 512, "d": 64, "kv_heads": 8}}"#;
        std::fs::write(sidecar(&log), text).unwrap();
        let p = LogProblem::<Shape>::of(&log).unwrap().unwrap();
        assert_eq!(p.shape, Shape::dense(2, 8, 512, 64));
        std::fs::write(
            sidecar(&log),
            r#"{"shape": {"b": 2, "h": 8, "s": 512, "d": 999}}"#,
        )
        .unwrap();
        let e = LogProblem::<Shape>::of(&log).unwrap_err().to_string();
        assert!(
            e.contains("land.csv.problem.json: not a valid problem"),
            "{e}"
        );
    }
}
