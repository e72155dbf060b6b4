//! One `evotune ncu` session: look the metric names up on the device, profile each target,
//! export and parse its raw CSV, and gather everything into an [`NcuSummary`].

use super::metrics::{select, Selection};
use super::plan::Target;
use super::raw_csv::parse_raw;
use super::summary::{KernelMetrics, NcuStatus, NcuSummary, Profile, ProfileStatus};
use super::tool::{NcuTool, ProfileFailure, ProfileJob};
use crate::artifacts::RunPaths;
use std::path::{Path, PathBuf};

/// How every profile is taken, stated in the summary.
pub const METHOD: &str = "ncu --clock-control none (clocks as they were), default cache \
control (caches flushed before each replay pass), one launch per candidate (the math \
baseline: one GEMM + softmax + GEMM pass), metrics from the raw page";

/// A summary saying that nothing was profiled, and why.
pub fn not_profiled(status: NcuStatus, reason: String, ncu: Option<&NcuTool>) -> NcuSummary {
    NcuSummary {
        status,
        reason: Some(reason),
        ncu: ncu.map(|t| t.path.clone()),
        ncu_version: ncu.and_then(NcuTool::version),
        method: METHOD.into(),
        metric_names: select(None).names,
        metric_names_verified: false,
        profiles: Vec::new(),
    }
}

/// Profiles every target in turn; a refusal to read the counters stops the session.
pub fn profile_all(tool: &NcuTool, run: &RunPaths, targets: &[Target]) -> NcuSummary {
    let (selection, lookup) = match tool.query_metrics() {
        Ok(listed) => (select(Some(&listed)), None),
        Err(ProfileFailure::Refused(r)) => {
            return not_profiled(NcuStatus::Refused, r, Some(tool));
        }
        Err(ProfileFailure::Failed(r)) => (select(None), Some(r)),
    };
    if let Err(e) = std::fs::create_dir_all(run.ncu_dir()) {
        let why = format!("cannot create {}: {e}", run.ncu_dir().display());
        return not_profiled(NcuStatus::Failed, why, Some(tool));
    }
    let mut profiles = Vec::new();
    for t in targets {
        eprintln!("ncu: profiling {} ({})", t.name, t.variant);
        match profile_one(tool, run, t, &selection) {
            Ok(p) => profiles.push(p),
            Err(ProfileFailure::Refused(r)) => {
                return not_profiled(NcuStatus::Refused, r, Some(tool));
            }
            Err(ProfileFailure::Failed(r)) => profiles.push(failed(t, r)),
        }
    }
    summarize(tool, selection, lookup, profiles)
}

fn summarize(
    tool: &NcuTool,
    selection: Selection,
    lookup: Option<String>,
    profiles: Vec<Profile>,
) -> NcuSummary {
    let ok = profiles
        .iter()
        .filter(|p| p.status == ProfileStatus::Ok)
        .count();
    let status = match ok {
        0 => NcuStatus::Failed,
        n if n == profiles.len() => NcuStatus::Ok,
        _ => NcuStatus::Partial,
    };
    let first_failure = profiles.iter().find_map(|p| p.reason.clone());
    let reason = match status {
        NcuStatus::Failed => first_failure.map(|r| format!("every profile failed; the first: {r}")),
        NcuStatus::Partial => Some("see each profile".into()),
        _ => None,
    };
    let lookup = lookup.map(|r| format!("metric names not checked on the device: {r}"));
    let reason = match (reason, lookup) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    NcuSummary {
        status,
        reason,
        ncu: Some(tool.path.clone()),
        ncu_version: tool.version(),
        method: METHOD.into(),
        metric_names: selection.names.clone(),
        metric_names_verified: selection.verified,
        profiles,
    }
}

fn profile_one(
    tool: &NcuTool,
    run: &RunPaths,
    t: &Target,
    sel: &Selection,
) -> Result<Profile, ProfileFailure> {
    let export = run.ncu_dir().join(&t.name);
    let job = ProfileJob {
        kernel_filter: t.kernel_filter.clone(),
        launch_skip: t.launch_skip,
        launch_count: t.launch_count,
        metrics: sel.metric_names(),
        export: export.clone(),
        app: t.app.clone(),
    };
    tool.profile(&job)?;
    let report = export.with_extension("ncu-rep");
    let csv = tool.import_raw(&report)?;
    let csv_path = export.with_extension("csv");
    crate::compile::write_atomic(&csv_path, csv.as_bytes())
        .map_err(|e| ProfileFailure::Failed(e.to_string()))?;
    let rows = parse_raw(&csv).map_err(|e| ProfileFailure::Failed(format!("{csv_path:?}: {e}")))?;
    let kernels: Vec<KernelMetrics> = rows
        .iter()
        .map(|r| KernelMetrics::from_row(r, sel))
        .collect();
    Ok(Profile {
        reason: incomplete(t, &kernels),
        total: KernelMetrics::combine(&kernels),
        kernels,
        report: Some(relative(run, &report)),
        csv: Some(relative(run, &csv_path)),
        ..failed(t, String::new())
    }
    .with_status(ProfileStatus::Ok))
}

/// What a profile lacks: fewer launches than asked for, or no cuBLAS GEMM in the math pass.
fn incomplete(t: &Target, kernels: &[KernelMetrics]) -> Option<String> {
    if kernels.len() < t.launch_count as usize {
        return Some(format!(
            "{} of {} launches profiled",
            kernels.len(),
            t.launch_count
        ));
    }
    let gemm = kernels.iter().any(|k| k.kernel != "baseline_softmax");
    (t.rank.is_none() && !gemm)
        .then(|| "no cuBLAS GEMM matched the kernel filter: the softmax kernel only".into())
}

fn failed(t: &Target, reason: String) -> Profile {
    Profile {
        name: t.name.clone(),
        variant: t.variant.clone(),
        rank: t.rank,
        status: ProfileStatus::Failed,
        reason: Some(reason).filter(|r| !r.is_empty()),
        command: t.app.clone(),
        report: None,
        csv: None,
        kernels: Vec::new(),
        total: None,
    }
}

impl Profile {
    fn with_status(mut self, status: ProfileStatus) -> Self {
        self.status = status;
        self
    }
}

fn relative(run: &RunPaths, path: &Path) -> PathBuf {
    path.strip_prefix(&run.root).unwrap_or(path).to_path_buf()
}
