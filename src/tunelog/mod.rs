//! The tune log: one CSV row per trial, flushed after every row, so nothing is lost on a crash.

use crate::compile::CompileRecord;
use crate::error::{Error, Result};
use crate::eval::EvalResponse;
use crate::space::{Config, SearchSpace};
use std::fs::File;
use std::path::Path;

/// Columns after the parameters, in order.
pub const COLUMNS: [&str; 14] = [
    "outcome",
    "p50_us",
    "ci_lo_us",
    "ci_hi_us",
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

/// Writes trial rows: `trial, generation, <every parameter>, <COLUMNS>`.
pub struct TuneLog {
    writer: csv::Writer<File>,
    params: Vec<String>,
}

/// One trial as the log records it.
pub struct Row<'a> {
    /// Trial number, from 0.
    pub trial: usize,
    /// Generation of the search (0 for a recording).
    pub generation: usize,
    /// The config.
    pub config: &'a Config,
    /// The compile record, if it got that far.
    pub compile: Option<&'a CompileRecord>,
    /// The worker's answer.
    pub response: &'a EvalResponse,
}

impl TuneLog {
    /// Creates `path` (and its folder) with the header for `space`'s parameters.
    pub fn create(path: &Path, space: &SearchSpace) -> Result<Self> {
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
        Ok(TuneLog { writer, params })
    }

    /// Appends one row and flushes it to the file.
    pub fn append(&mut self, row: &Row) -> Result<()> {
        let mut fields = vec![row.trial.to_string(), row.generation.to_string()];
        for p in &self.params {
            fields.push(row.config.get(p).map(|v| v.to_string()).unwrap_or_default());
        }
        fields.extend(result_fields(row));
        self.writer.write_record(&fields).map_err(csv_error)?;
        self.writer
            .flush()
            .map_err(|e| Error::io("flush", "tune log", e))
    }
}

fn result_fields(row: &Row) -> Vec<String> {
    let r = row.response;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let k = r.kernel_time.as_ref();
    let res = row.compile.and_then(|c| c.resources);
    vec![
        r.outcome.name().to_string(),
        opt(k.map(|t| t.p50_us)),
        opt(k.map(|t| t.ci_lo_us)),
        opt(k.map(|t| t.ci_hi_us)),
        opt(r.call_time.as_ref().map(|t| t.p50_us)),
        opt(r.errors.map(|e| e.max_abs)),
        opt(r.errors.map(|e| e.rel_l2)),
        opt(r.errors_vs_full.map(|e| e.rel_l2)),
        opt(res.map(|x| f64::from(x.registers))),
        opt(res.map(|x| f64::from(x.spill_stores + x.spill_loads))),
        opt(res.map(|x| f64::from(x.static_smem))),
        opt(row.compile.map(|c| c.compile_ms)),
        opt(r.sm_clock_mhz.map(f64::from)),
        r.outcome.reason().replace('\n', " "),
    ]
}

fn csv_error(e: csv::Error) -> Error {
    Error::Other(format!("tune log: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Outcome;
    use crate::space::parse;

    #[test]
    fn writes_a_header_and_a_flushed_row_per_trial() {
        let space = parse(
            Path::new("t.toml"),
            "name='t'\ntemplate='t'\nkernel='k'\n[params.A]\nvalues=[1,2]\n[default]\nA=1\n",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tune/tune_log.csv");
        let mut log = TuneLog::create(&path, &space).unwrap();
        let config = space.default.clone();
        let response = EvalResponse::failed(
            0,
            Outcome::Invalid {
                reason: "max abs 3\nbig".into(),
            },
        );
        let row = Row {
            trial: 0,
            generation: 0,
            config: &config,
            compile: None,
            response: &response,
        };
        log.append(&row).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("trial,generation,A,{}", COLUMNS.join(","))
        );
        assert_eq!(lines[1], "0,0,1,invalid,,,,,,,,,,,,,max abs 3 big");
    }
}
