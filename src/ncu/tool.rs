//! Running Nsight Compute: finding `ncu`, listing the device's metrics, profiling one command
//! into a `.ncu-rep` report, and exporting that report as the raw CSV page.

use super::metrics::Available;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where ncu is installed when it is not on PATH.
const FALLBACK: &str = "/usr/local/cuda/bin/ncu";

/// Why a profile could not be taken.
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileFailure {
    /// The user may not read the GPU's performance counters (ERR_NVGPUCTRPERM).
    Refused(String),
    /// Anything else, with ncu's last error line.
    Failed(String),
}

/// One profiling run: `ncu <options> <app...>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileJob {
    /// `--kernel-name` filter (a name, or `regex:...`).
    pub kernel_filter: String,
    /// Matching launches to skip first.
    pub launch_skip: u32,
    /// Matching launches to profile.
    pub launch_count: u32,
    /// Metric names for `--metrics`.
    pub metrics: Vec<String>,
    /// The report to write, without the `.ncu-rep` extension.
    pub export: PathBuf,
    /// The command to profile.
    pub app: Vec<String>,
}

impl ProfileJob {
    /// ncu's arguments: clocks left as they are (`--clock-control none`, as the timings were
    /// taken), child processes followed (the bench runs kernels in a worker process).
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = [
            "--clock-control",
            "none",
            "--target-processes",
            "all",
            "--force-overwrite",
        ]
        .map(String::from)
        .to_vec();
        a.extend(["--kernel-name".into(), self.kernel_filter.clone()]);
        a.extend(["--launch-skip".into(), self.launch_skip.to_string()]);
        a.extend(["--launch-count".into(), self.launch_count.to_string()]);
        a.extend(["--metrics".into(), self.metrics.join(",")]);
        a.extend(["--export".into(), self.export.display().to_string()]);
        a.extend(self.app.iter().cloned());
        a
    }
}

/// An ncu executable.
#[derive(Debug, Clone, PartialEq)]
pub struct NcuTool {
    /// Its path.
    pub path: PathBuf,
}

impl NcuTool {
    /// `explicit` when given, else `ncu` on PATH, else /usr/local/cuda/bin/ncu; the error says
    /// where it looked.
    pub fn locate(explicit: Option<&Path>) -> Result<NcuTool, String> {
        if let Some(p) = explicit {
            return if p.is_file() {
                Ok(NcuTool { path: p.into() })
            } else {
                Err(format!("ncu not found at {}", p.display()))
            };
        }
        let on_path: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("ncu")).collect())
            .unwrap_or_default();
        on_path
            .into_iter()
            .chain([PathBuf::from(FALLBACK)])
            .find(|p| p.is_file())
            .map(|path| NcuTool { path })
            .ok_or_else(|| format!("ncu not found on PATH nor at {FALLBACK}"))
    }

    /// The last line of `ncu --version`, e.g. "Version 2025.3.1.0 (build ...)".
    pub fn version(&self) -> Option<String> {
        let out = Command::new(&self.path).arg("--version").output().ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
    }

    /// The metrics the device offers (`--query-metrics --query-metrics-mode all`).
    pub fn query_metrics(&self) -> Result<Available, ProfileFailure> {
        let out = self.run(&["--query-metrics", "--query-metrics-mode", "all"])?;
        let listed = Available::parse(&String::from_utf8_lossy(&out.stdout));
        if listed.is_empty() {
            return Err(ProfileFailure::Failed(
                "ncu --query-metrics listed no metrics".into(),
            ));
        }
        Ok(listed)
    }

    /// Profiles `job`, writing `<export>.ncu-rep`.
    pub fn profile(&self, job: &ProfileJob) -> Result<(), ProfileFailure> {
        let args = job.args();
        let report = job.export.with_extension("ncu-rep");
        let _ = std::fs::remove_file(&report);
        let (out, text) = self.output(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        if report.is_file() {
            return Ok(());
        }
        Err(ProfileFailure::Failed(format!(
            "ncu wrote no {} (kernel filter '{}'): {}",
            report.display(),
            job.kernel_filter,
            last_error(&text, out.status.code())
        )))
    }

    /// The raw page of `report` as CSV, base units.
    pub fn import_raw(&self, report: &Path) -> Result<String, ProfileFailure> {
        let report = report.display().to_string();
        let args = [
            "--import",
            &report,
            "--csv",
            "--page",
            "raw",
            "--print-units",
            "base",
        ];
        let out = self.run(&args)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs ncu and requires success.
    fn run(&self, args: &[&str]) -> Result<Output, ProfileFailure> {
        let (out, text) = self.output(args)?;
        if !out.status.success() {
            return Err(ProfileFailure::Failed(last_error(&text, out.status.code())));
        }
        Ok(out)
    }

    /// Runs ncu; a refusal to read the counters is an error whatever the exit status.
    fn output(&self, args: &[&str]) -> Result<(Output, String), ProfileFailure> {
        let out = Command::new(&self.path).args(args).output().map_err(|e| {
            ProfileFailure::Failed(format!("cannot run {}: {e}", self.path.display()))
        })?;
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if text.contains("ERR_NVGPUCTRPERM") {
            return Err(ProfileFailure::Refused(
                "ncu may not read the GPU's performance counters (ERR_NVGPUCTRPERM): run as \
                 root or allow profiling for all users (NVreg_RestrictProfilingToAdminUsers=0)"
                    .into(),
            ));
        }
        Ok((out, text))
    }
}

/// ncu's last `==ERROR==` line, or its last line, with the exit status.
fn last_error(text: &str, code: Option<i32>) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let line = lines
        .iter()
        .rev()
        .find(|l| l.contains("==ERROR=="))
        .or(lines.last())
        .map_or("no output", |l| l.trim());
    match code {
        Some(c) => format!("ncu exited with status {c}: {line}"),
        None => format!("ncu was killed: {line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_leaves_clocks_alone_and_follows_the_worker_process() {
        let job = ProfileJob {
            kernel_filter: "sdpa_fp8_fwd".into(),
            launch_skip: 1,
            launch_count: 1,
            metrics: vec!["a__b.sum".into(), "c__d.sum".into()],
            export: "run/ncu/elite_1".into(),
            app: vec!["evotune".into(), "bench".into()],
        };
        let a = job.args().join(" ");
        assert!(
            a.starts_with("--clock-control none --target-processes all"),
            "{a}"
        );
        assert!(a.contains("--kernel-name sdpa_fp8_fwd --launch-skip 1 --launch-count 1"));
        assert!(a.contains("--metrics a__b.sum,c__d.sum --export run/ncu/elite_1"));
        assert!(a.ends_with("evotune bench"), "{a}");
    }

    #[test]
    fn an_explicit_path_that_does_not_exist_is_named() {
        let e = NcuTool::locate(Some(Path::new("/nowhere/ncu"))).unwrap_err();
        assert_eq!(e, "ncu not found at /nowhere/ncu");
    }

    #[test]
    fn the_last_error_line_is_reported() {
        let text = "==PROF== Connected\n==ERROR== The application returned an error code (1).\n";
        assert_eq!(
            last_error(text, Some(1)),
            "ncu exited with status 1: ==ERROR== The application returned an error code (1)."
        );
    }
}
