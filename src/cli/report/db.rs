//! The problems of the tuning database for the multi-shape report: the fresh rows of one
//! device, the best row of each problem (as `db show` serves it).

use super::multi::publish;
use crate::cli::db::failed;
use crate::db::{Db, FreshnessCheck, TuningRow};
use crate::error::{Error, Result};
use crate::report::multi::ProblemResult;
use std::path::{Path, PathBuf};

/// The report of `file`'s fresh rows on `device`, written to `out` or
/// `reports/db-<device>.md`.
pub fn run(file: &Path, device: Option<&str>, out: Option<&Path>) -> anyhow::Result<()> {
    let rows = fresh_rows(file)?;
    let gpu = pick_device(file, &rows, device)?;
    let problems = best_of_each(&rows, &gpu);
    let source = vec![format!(
        "Tuning database `{}`, device `{gpu}`: the best fresh row of each problem ({} problems; \
         stale rows left out). The database keeps medians, evotune's CI and no samples: the \
         baselines show no CI, and the ratios none either.",
        file.display(),
        problems.len()
    )];
    let path = out.map_or_else(|| default_path(&gpu), Path::to_path_buf);
    publish(&problems, source, &path)
}

/// `reports/db-<device>.md`, the device's name in lower case with one dash for each run of
/// other characters.
fn default_path(gpu: &str) -> PathBuf {
    let mut slug = String::new();
    for c in gpu.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    PathBuf::from("reports").join(format!("db-{}.md", slug.trim_matches('-')))
}

/// The database's fresh rows; an error names --db when there is no database or no fresh row.
fn fresh_rows(file: &Path) -> Result<Vec<TuningRow>> {
    let flag = |why: String| Error::flag("--db", format!("{}: {why}", file.display()));
    if !file.is_file() {
        return Err(flag("no such file".into()));
    }
    let db = Db::open_read_only(file).map_err(flag)?;
    let rows = db.all().map_err(failed(file))?;
    let total = rows.len();
    let mut check = FreshnessCheck::new();
    let fresh: Vec<TuningRow> = rows
        .into_iter()
        .filter(|r| check.of(r).is_fresh())
        .collect();
    match (fresh.is_empty(), total) {
        (false, _) => Ok(fresh),
        (true, 0) => Err(flag("has no fresh rows to report: it holds no rows".into())),
        (true, n) => Err(flag(format!(
            "has no fresh rows to report: all {n} are stale (their space or template changed \
             since; evotune db list says which)"
        ))),
    }
}

/// The device to report: the one `device` names (whole, else as part of one name), or the
/// only one there is.
fn pick_device(file: &Path, rows: &[TuningRow], device: Option<&str>) -> Result<String> {
    let mut gpus: Vec<&str> = rows.iter().map(|r| r.gpu.as_str()).collect();
    gpus.sort_unstable();
    gpus.dedup();
    let list = gpus.join(", ");
    let matching: Vec<&str> = match device {
        None => gpus.clone(),
        Some(name) if gpus.contains(&name) => vec![name],
        Some(name) => gpus.iter().copied().filter(|g| g.contains(name)).collect(),
    };
    let why = match (device, matching.as_slice()) {
        (_, [one]) => return Ok(one.to_string()),
        (None, _) => format!(
            "is needed: {} holds fresh rows of several devices: {list}",
            file.display()
        ),
        (Some(name), []) => format!(
            "{name}: {} has no fresh rows for this device (its fresh rows are of: {list})",
            file.display()
        ),
        (Some(name), many) => format!(
            "{name} names several devices ({}): give one whole",
            many.join(", ")
        ),
    };
    Err(Error::flag("--device", why))
}

/// The fastest row of each problem on `gpu`, ordered by problem.
fn best_of_each(rows: &[TuningRow], gpu: &str) -> Vec<ProblemResult> {
    let mut best: Vec<&TuningRow> = Vec::new();
    for r in rows.iter().filter(|r| r.gpu == gpu) {
        match best.iter_mut().find(|b| b.problem == r.problem) {
            Some(b) if r.kernel_p50_us < b.kernel_p50_us => *b = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    let key = |r: &&TuningRow| {
        let p = r.problem;
        (
            p.batch, p.heads, p.causal, p.kv_heads, p.seq_len, p.kv_len, p.head_dim,
        )
    };
    best.sort_by_key(key);
    best.into_iter().map(ProblemResult::from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_named_for_the_device() {
        assert_eq!(
            default_path("NVIDIA H200 (0)"),
            PathBuf::from("reports/db-nvidia-h200-0.md")
        );
        assert_eq!(
            default_path("replay"),
            PathBuf::from("reports/db-replay.md")
        );
    }
}
