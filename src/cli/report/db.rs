//! The problems of the tuning database for the multi-shape report: the fresh rows of one
//! device, the best row of each problem (as `db show` serves it).

use super::multi::publish;
use crate::db::{self, TuningRow};
use crate::report::multi::ProblemResult;
use crate::space::{self, SearchSpace};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The report of `file`'s fresh rows on `device`, written to `out` or
/// `reports/db-<device>.md`.
pub fn run(file: &Path, device: Option<&str>, out: Option<&Path>) -> anyhow::Result<()> {
    let rows = db::fresh_rows(file, "to report")?.fresh;
    let gpu = db::pick_device(file, &rows, device)?;
    let problems = best_of_each(&rows, &gpu);
    let source = vec![format!(
        "Tuning database `{}`, device `{gpu}`: the best fresh row of each problem ({} problems; \
         stale rows left out). The database keeps medians, evotune's CI and no samples: the \
         baselines show no CI, and the ratios none either.",
        file.display(),
        problems.len()
    )];
    let path = out.map_or_else(|| default_path(&gpu), Path::to_path_buf);
    publish(&problems, source, &path, "--out")
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

/// The fastest fresh row of each problem on `gpu`, ordered by problem; each space file the
/// rows name is loaded once.
fn best_of_each(rows: &[TuningRow], gpu: &str) -> Vec<ProblemResult> {
    let mut spaces: HashMap<&str, Option<SearchSpace>> = HashMap::new();
    db::best_of_each(rows, gpu)
        .into_iter()
        .map(|row| {
            let space = spaces
                .entry(row.space_path.as_str())
                .or_insert_with(|| space::load(Path::new(&row.space_path)).ok());
            ProblemResult::from_row(row, space.as_ref())
        })
        .collect()
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
