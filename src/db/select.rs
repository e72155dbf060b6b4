//! Choosing rows to serve from a database file: its fresh rows (stale ones set aside with the
//! reason), the device they are of, and the best row of each problem. The multi-shape report
//! and `evotune export` read a database this way.

use super::fresh::FreshnessCheck;
use super::row::TuningRow;
use super::store::Db;
use crate::error::{Error, Input, Result};
use std::path::Path;

/// A database's rows, split by whether they may be served.
#[derive(Debug, Clone)]
pub struct Split {
    /// Rows whose space and template are as they were.
    pub fresh: Vec<TuningRow>,
    /// The other rows, each with why it is stale.
    pub stale: Vec<(TuningRow, String)>,
}

/// The rows of the database `file`, fresh and stale. Fails naming the database when the file is
/// missing, not a database, or holds no fresh row (`purpose` ends that message, e.g.
/// "to report").
pub fn fresh_rows(file: &Path, purpose: &str) -> Result<Split> {
    let bad = |why: String| Error::input(Input::Database, format!("{}: {why}", file.display()));
    if !file.is_file() {
        return Err(bad("no such file".into()));
    }
    let db = Db::open_read_only(file).map_err(bad)?;
    let rows = db
        .all()
        .map_err(|e| Error::Other(format!("database {}: {e}", file.display())))?;
    let total = rows.len();
    let mut check = FreshnessCheck::new();
    let mut split = Split {
        fresh: Vec::new(),
        stale: Vec::new(),
    };
    for r in rows {
        match check.of(&r) {
            f if f.is_fresh() => split.fresh.push(r),
            f => split.stale.push((r, f.label())),
        }
    }
    match (split.fresh.is_empty(), total) {
        (false, _) => Ok(split),
        (true, 0) => Err(bad(format!(
            "has no fresh rows {purpose}: it holds no rows"
        ))),
        (true, n) => Err(bad(format!(
            "has no fresh rows {purpose}: all {n} are stale (their space or template changed \
             since; evotune db list says which)"
        ))),
    }
}

/// The device to serve: the one `device` names (whole, else as part of one name), or the only
/// one `rows` are of; an error names the device and lists the devices.
pub fn pick_device(file: &Path, rows: &[TuningRow], device: Option<&str>) -> Result<String> {
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
    Err(Error::input(Input::Device, why))
}

/// The fastest row of each problem on `gpu`, ordered by problem (SDPA's by B, H, causal, KV
/// heads, S, KV length, D; then GEMMs by M, N, K).
pub fn best_of_each<'a>(rows: &'a [TuningRow], gpu: &str) -> Vec<&'a TuningRow> {
    let mut best: Vec<&TuningRow> = Vec::new();
    for r in rows.iter().filter(|r| r.gpu == gpu) {
        match best.iter_mut().find(|b| b.problem == r.problem) {
            Some(b) if r.kernel_p50_us < b.kernel_p50_us => *b = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    best.sort_by_key(|r| r.problem.order_key());
    best
}
