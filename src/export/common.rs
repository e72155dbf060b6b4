//! What the attention and the GEMM tables share: the tolerance as a table states it, an entry
//! with its source before the kernel is compiled, the spaces read once, a template's stem.

use crate::space::{self, SearchSpace};
use crate::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// |out − ref| ≤ atol + rtol·|ref| for every element.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Absolute term.
    pub atol: f64,
    /// Relative term.
    pub rtol: f64,
}

/// An entry before its kernel is compiled: the table entry and the source.
#[derive(Debug, Clone)]
pub struct Prepared<E> {
    /// The entry (registers and spills still unknown).
    pub entry: E,
    /// Its CUDA source.
    pub source: String,
}

/// Spaces and their templates by file, each read once.
#[derive(Default)]
pub struct Spaces {
    loaded: HashMap<String, Result<(SearchSpace, Template), String>>,
}

impl Spaces {
    /// An empty cache.
    pub fn new() -> Self {
        Spaces::default()
    }

    pub(super) fn get(&mut self, path: &str) -> Result<&(SearchSpace, Template), String> {
        self.loaded
            .entry(path.to_string())
            .or_insert_with(|| {
                let space = space::load(Path::new(path)).map_err(|e| e.to_string())?;
                let template = Template::for_space(&space).map_err(|e| e.to_string())?;
                Ok((space, template))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// `sdpa_fp8_mma` for `.../sdpa_fp8_mma.cu.tera`.
pub(super) fn template_stem(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.split('.').next().unwrap_or_default().to_string()
}

/// The fields every exported kernel's entry ends with: its timing and ptxas figures,
/// its config, and the database row it came from (written inline in its table entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunedRow {
    /// Kernel-only median at its problem, µs.
    pub kernel_p50_us: f64,
    /// The 95% CI of that median, µs.
    pub ci_us: Option<[f64; 2]>,
    /// Registers per thread (ptxas).
    pub registers: Option<u32>,
    /// Spill stores + loads, bytes (ptxas).
    pub spill_bytes: Option<u32>,
    /// The config, `K=V,...`.
    pub config: String,
    /// The database row it came from.
    pub row_id: Option<i64>,
    /// When that row was recorded (UTC).
    pub recorded_utc: String,
    /// The run folder that tuned it.
    pub run_dir: String,
}

impl TunedRow {
    /// What `row` says of its kernel; the ptxas figures come when it is compiled.
    pub fn of(row: &crate::db::TuningRow) -> TunedRow {
        TunedRow {
            kernel_p50_us: row.kernel_p50_us,
            ci_us: row.ci_lo_us.zip(row.ci_hi_us).map(|(lo, hi)| [lo, hi]),
            registers: None,
            spill_bytes: None,
            config: row.config.clone(),
            row_id: row.id,
            recorded_utc: row.created_utc.clone(),
            run_dir: row.run_dir.clone(),
        }
    }
}
