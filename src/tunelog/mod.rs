//! The tune log: one CSV row per trial, flushed after every row, so nothing is lost on a crash,
//! and read back (a torn last line ignored) to resume a run or to replay its measurements.

mod reader;
mod record;

use reader::is_compressed;
pub use reader::{read, read_bytes, LogContents};
pub use record::TrialRecord;

use crate::error::{Error, Result};
use crate::space::SearchSpace;
use std::fs::{File, OpenOptions};
use std::path::Path;

/// Columns after the parameters, in order.
pub const COLUMNS: [&str; 16] = [
    "outcome",
    "p50_us",
    "ci_lo_us",
    "ci_hi_us",
    "samples",
    "raced_out",
    "call_p50_us",
    "max_abs",
    "rel_l2",
    "rel_l2_vs_full",
    "registers",
    "spill_bytes",
    "static_smem",
    "compile_ms",
    "sm_clock_mhz",
    "reason",
];

/// The columns racing added; logs written before it lack them, and are still read.
pub const RACE_COLUMNS: [&str; 2] = ["samples", "raced_out"];

/// The columns after the parameters in a log written before racing.
pub fn columns_before_racing() -> Vec<&'static str> {
    COLUMNS
        .into_iter()
        .filter(|c| !RACE_COLUMNS.contains(c))
        .collect()
}

/// Writes trial rows: `trial, generation, <every parameter>, <COLUMNS>` (or, appending to a log
/// written before racing, its columns).
pub struct TuneLog {
    writer: csv::Writer<File>,
    params: Vec<String>,
    columns: Vec<&'static str>,
}

impl TuneLog {
    /// Creates `path` (and its folder) with the header for `space`'s parameters.
    pub fn create(path: &Path, space: &SearchSpace) -> Result<Self> {
        refuse_compressed(path)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        }
        let file = File::create(path).map_err(|e| Error::io("create", path, e))?;
        let params: Vec<String> = space.params.iter().map(|p| p.name.clone()).collect();
        let mut writer = csv::Writer::from_writer(file);
        let header = ["trial", "generation"]
            .into_iter()
            .map(String::from)
            .chain(params.iter().cloned())
            .chain(COLUMNS.iter().map(|c| c.to_string()));
        writer.write_record(header).map_err(csv_error)?;
        writer.flush().map_err(|e| Error::io("write", path, e))?;
        Ok(TuneLog {
            writer,
            params,
            columns: COLUMNS.to_vec(),
        })
    }

    /// Opens an existing log to append to, after cutting off a torn last line (`complete_len`
    /// from [`read`]), so that the next row starts on a line of its own; rows are written with
    /// the log's own `columns` (from [`read`]).
    pub fn reopen(
        path: &Path,
        space: &SearchSpace,
        complete_len: u64,
        columns: &[&'static str],
    ) -> Result<Self> {
        refuse_compressed(path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io("open", path, e))?;
        file.set_len(complete_len)
            .map_err(|e| Error::io("truncate", path, e))?;
        let params = space.params.iter().map(|p| p.name.clone()).collect();
        let writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(file);
        Ok(TuneLog {
            writer,
            params,
            columns: columns.to_vec(),
        })
    }

    /// Appends one row and flushes it to the file.
    pub fn append(&mut self, row: &TrialRecord) -> Result<()> {
        let mut fields = vec![row.trial.to_string(), row.generation.to_string()];
        for p in &self.params {
            fields.push(row.config.get(p).map(|v| v.to_string()).unwrap_or_default());
        }
        let results = COLUMNS.iter().zip(row.result_fields());
        fields.extend(results.filter_map(|(c, f)| self.columns.contains(c).then_some(f)));
        self.writer.write_record(&fields).map_err(csv_error)?;
        self.writer
            .flush()
            .map_err(|e| Error::io("flush", "tune log", e))
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Other(format!("tune log: {e}"))
}

#[cfg(test)]
mod tests;

/// A log is written as plain CSV; a `.gz` log is read-only (gunzip it to continue it).
fn refuse_compressed(path: &Path) -> Result<()> {
    if is_compressed(path) {
        return Err(Error::Other(format!(
            "{}: a compressed log is read-only; gunzip it to write to it",
            path.display()
        )));
    }
    Ok(())
}
