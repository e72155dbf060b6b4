//! The tuning database (SQLite): one row per tuned problem and device, kept as history, so
//! that the best known config of a problem can be looked up, merged across hosts and used to
//! start new searches. A row whose space or template file changed since is stale: listed as
//! such, never served as a best config.

mod columns;
mod fresh;
mod from_run;
mod result;
mod row;
mod schema;
mod select;
mod store;

pub use fresh::{file_hash, Freshness, FreshnessCheck};
pub use from_run::{compute_capability, row_from_run};
pub use result::DbResult;
pub use row::{Attention, BaselineTime, Problem, TuningRow};
pub use schema::VERSION as SCHEMA_VERSION;
pub use select::{best_of_each, fresh_rows, pick_device, Split};
pub use store::Db;

use std::path::PathBuf;

/// The database used when no `--db` is given: `$EVOTUNE_DB`, else
/// `$XDG_DATA_HOME/evotune/tuning.db`, else `~/.local/share/evotune/tuning.db`.
pub fn default_path() -> PathBuf {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = var("EVOTUNE_DB") {
        return p;
    }
    let data = var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("evotune").join("tuning.db")
}

/// The fresh row with the lowest kernel-only p50 among `rows` (stale ones are never served).
pub fn best_fresh<'a>(rows: &'a [TuningRow], check: &mut FreshnessCheck) -> Option<&'a TuningRow> {
    rows.iter()
        .filter(|r| check.of(r).is_fresh())
        .min_by(|a, b| a.kernel_p50_us.total_cmp(&b.kernel_p50_us))
}

/// What a merge did with one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeCount {
    /// Rows added.
    pub added: usize,
    /// Rows already present (the same content).
    pub present: usize,
}

impl Db {
    /// Adds every row of `source` that this database lacks, in one transaction.
    pub fn merge_from(&mut self, source: &Db) -> DbResult<MergeCount> {
        let rows = source.all()?;
        let ids = self.insert_all(&rows, |_| Ok(()))?;
        let added = ids.iter().filter(|i| i.is_some()).count();
        Ok(MergeCount {
            added,
            present: rows.len() - added,
        })
    }
}

/// Which rows a prune removes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneRule {
    /// Remove stale rows.
    pub stale: bool,
    /// Keep only the newest N rows of each problem and device.
    pub keep_latest: Option<usize>,
}

/// The ids of `rows` that `rule` removes, oldest first.
pub fn prune_ids(rows: &[TuningRow], rule: PruneRule, check: &mut FreshnessCheck) -> Vec<i64> {
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<(Problem, String), usize> = Default::default();
    for r in rows.iter().rev() {
        let newer = seen.entry((r.problem, r.gpu.clone())).or_default();
        *newer += 1;
        let old = rule.keep_latest.is_some_and(|k| *newer > k);
        if old || (rule.stale && !check.of(r).is_fresh()) {
            out.push(r.id.expect("a stored row has an id"));
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod upgrade_tests;
