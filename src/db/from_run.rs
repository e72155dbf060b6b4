//! A database row from a finished run folder of either operation: manifest.json (problem,
//! device, space, build), tune/topk.json (the best config with its figures) and
//! bench/baseline_*.json (baselines).

use super::fresh::file_hash;
use super::row::{BaselineTime, Problem, TuningRow};
use crate::artifacts::{read_json, Manifest, RunPaths, TopK};
use crate::error::{Error, Result};
use std::path::Path;

/// The row of the run in `dir`, or `None` when no trial passed validation (nothing to serve).
pub fn row_from_run(dir: &Path, created_utc: &str) -> Result<Option<TuningRow>> {
    let run = RunPaths::new(dir);
    let manifest: Manifest = read_json(&run.manifest())?;
    let topk: TopK = read_json(&run.topk())?;
    let Some(best) = topk.elites.first() else {
        return Ok(None);
    };
    let Some(p50) = best.record.p50_us else {
        return Ok(None);
    };
    let space = crate::space::load(&manifest.space)?;
    let template = space.template_for(&best.record.config);
    if !template.is_file() {
        return Err(Error::Other(format!(
            "{}: the best config {} does not render a template of {} as it is now ({} is not a \
             file): the run is older than the space",
            dir.display(),
            best.label,
            manifest.space.display(),
            template.display()
        )));
    }
    let hash = |p: &Path| file_hash(p).map_err(|e| Error::io("read", p, e));
    let env = &manifest.environment;
    let prediction = best.confirmed.as_ref().and_then(|c| c.prediction.as_ref());
    Ok(Some(TuningRow {
        id: None,
        created_utc: created_utc.to_string(),
        problem: Problem::of_spec(&manifest.shape),
        gpu: gpu_name(&manifest),
        compute_capability: compute_capability(&manifest.arch),
        arch: manifest.arch.clone(),
        driver: env.driver.clone(),
        cuda: env.cuda.clone(),
        nvrtc: env.nvrtc.clone(),
        host: env.host.clone(),
        space_path: manifest.space.display().to_string(),
        space_hash: hash(&manifest.space)?,
        template_path: template.display().to_string(),
        template_hash: hash(&template)?,
        overrides: serde_json::to_string(&manifest.search.overrides).expect("overrides serialize"),
        build_commit: manifest.build_commit.clone(),
        evaluator: evaluator(&manifest),
        config: best.label.clone(),
        kernel_p50_us: p50,
        ci_lo_us: best.record.ci_lo_us,
        ci_hi_us: best.record.ci_hi_us,
        call_p50_us: best.record.call_p50_us,
        confirmed_lo_us: prediction.map(|p| p.lo),
        confirmed_hi_us: prediction.map(|p| p.hi),
        confirmed_mean_us: prediction.map(|p| p.mean),
        max_abs: best.record.max_abs,
        rel_l2: best.record.rel_l2,
        rel_l2_vs_full: best.record.rel_l2_vs_full,
        trials: topk.trials,
        failures: topk.failures,
        run_dir: dir.display().to_string(),
        baselines: baselines(dir)?,
    }))
}

/// The manifest's evaluator, with the problem a log standing in for this one was recorded on.
fn evaluator(m: &Manifest) -> String {
    match &m.stand_in {
        Some(s) => format!("{} (answers recorded on {})", m.evaluator, s.recorded_on),
        None => m.evaluator.clone(),
    }
}

/// The GPU's name; `replay` for a run answered from a recorded log.
fn gpu_name(m: &Manifest) -> String {
    match &m.environment.gpu {
        Some(gpu) => gpu.clone(),
        None if m.evaluator.starts_with("replay") => "replay".into(),
        None => "unknown".into(),
    }
}

/// `sm_90a` -> `9.0`, `sm_120` -> `12.0`; the arch itself when it is not of that form.
pub fn compute_capability(arch: &str) -> String {
    let digits: String = arch
        .trim_start_matches("sm_")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match digits.len() {
        2.. => format!(
            "{}.{}",
            &digits[..digits.len() - 1],
            &digits[digits.len() - 1..]
        ),
        _ => arch.to_string(),
    }
}

/// Every `bench/baseline_<name>.json`, by name; each file's `status` and medians.
fn baselines(dir: &Path) -> Result<Vec<BaselineTime>> {
    let bench = dir.join("bench");
    let Ok(entries) = std::fs::read_dir(&bench) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let Some(name) = file
            .strip_prefix("baseline_")
            .and_then(|f| f.strip_suffix(".json"))
        else {
            continue;
        };
        let v: serde_json::Value = read_json(&path)?;
        let p50 = |key: &str| v[key]["p50_us"].as_f64();
        out.push(BaselineTime {
            name: name.to_string(),
            status: v["status"].as_str().unwrap_or("unknown").to_string(),
            kernel_p50_us: p50("kernel_time"),
            call_p50_us: p50("call_time"),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_capability_comes_from_the_arch_name() {
        assert_eq!(compute_capability("sm_90a"), "9.0");
        assert_eq!(compute_capability("sm_89"), "8.9");
        assert_eq!(compute_capability("sm_120"), "12.0");
        assert_eq!(compute_capability("odd"), "odd");
    }
}
