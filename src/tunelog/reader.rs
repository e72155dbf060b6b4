//! Reading a tune log back: typed rows, with a torn last line (a crash mid-write) set aside.

use super::{columns_before_racing, TrialRecord, COLUMNS};
use crate::error::{Error, Result};
use crate::space::SearchSpace;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// What a tune log holds.
#[derive(Debug, Clone, PartialEq)]
pub struct LogContents {
    /// Every complete row, in file order.
    pub records: Vec<TrialRecord>,
    /// Byte length of the complete rows (header included): where a resumed run appends.
    pub complete_len: u64,
    /// Whether an incomplete last line was found (and ignored).
    pub torn_tail: bool,
    /// The columns after the parameters, as its header has them (a log written before racing
    /// lacks two): the rows a resumed run appends follow them.
    pub columns: Vec<&'static str>,
}

/// Reads the log at `path`, whose parameter columns must be exactly `space`'s parameters.
pub fn read(path: &Path, space: &SearchSpace) -> Result<LogContents> {
    let bytes = read_bytes(path)?;
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let torn_tail = complete_len < bytes.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[..complete_len]);
    let bad = |what: String| Error::Other(format!("{}: {what}", path.display()));
    let header = reader
        .headers()
        .map_err(|e| bad(format!("unreadable header: {e}")))?
        .clone();
    let layout = check_header(&header, space).map_err(&bad)?;
    let columns = layout.columns.clone();
    let mut records = Vec::new();
    let mut seen: HashMap<usize, csv::StringRecord> = HashMap::new();
    for (i, row) in reader.records().enumerate() {
        let at = |e: String| bad(format!("row {}: {e}", i + 1));
        let row = row.map_err(|e| at(e.to_string()))?;
        let record = parse_row(&row, &layout, space).map_err(at)?;
        if first_time(&mut seen, record.trial, row).map_err(at)? {
            records.push(record);
        }
    }
    Ok(LogContents {
        records,
        complete_len: complete_len as u64,
        torn_tail,
        columns,
    })
}

/// Whether this is the first row of `trial`. A row repeated exactly (a log concatenated or
/// copied twice) counts once; the same trial with other contents is an error.
fn first_time(
    seen: &mut HashMap<usize, csv::StringRecord>,
    trial: usize,
    row: csv::StringRecord,
) -> std::result::Result<bool, String> {
    match seen.get(&trial) {
        None => {
            seen.insert(trial, row);
            Ok(true)
        }
        Some(first) if *first == row => Ok(false),
        Some(_) => Err(format!(
            "trial {trial} appears twice, with different contents"
        )),
    }
}

/// Whether `path` names a gzip-compressed log (`.gz`): read-only, as committed landscapes are.
pub fn is_compressed(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// The bytes of the log at `path`, decompressed when it is a `.gz` file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    if !is_compressed(path) {
        return Ok(raw);
    }
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut text)
        .map_err(|e| Error::io("decompress", path, e))?;
    Ok(text)
}

/// The layout of a log's header: its parameter names and the fixed columns after them.
struct Layout {
    params: Vec<String>,
    columns: Vec<&'static str>,
}

/// The parameter names of the header, checked against the space, and which fixed columns
/// follow them (today's, or those of a log written before racing).
fn check_header(
    header: &csv::StringRecord,
    space: &SearchSpace,
) -> std::result::Result<Layout, String> {
    let fields: Vec<&str> = header.iter().collect();
    let n = fields.len();
    let columns = [COLUMNS.to_vec(), columns_before_racing()]
        .into_iter()
        .find(|cols| n >= 2 + cols.len() && fields[n - cols.len()..] == cols[..])
        .filter(|_| fields[..2] == ["trial", "generation"])
        .ok_or("not a tune log (expected trial,generation,<parameters>,outcome,...)")?;
    let params: Vec<String> = fields[2..n - columns.len()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut expected: Vec<&str> = space.params.iter().map(|p| p.name.as_str()).collect();
    let mut got: Vec<&str> = params.iter().map(String::as_str).collect();
    expected.sort_unstable();
    got.sort_unstable();
    if expected != got {
        return Err(format!(
            "its parameters [{}] are not those of the space {} [{}]",
            got.join(", "),
            space.path.display(),
            expected.join(", ")
        ));
    }
    Ok(Layout { params, columns })
}

fn parse_row(
    row: &csv::StringRecord,
    layout: &Layout,
    space: &SearchSpace,
) -> std::result::Result<TrialRecord, String> {
    let params = &layout.params;
    let field = |i: usize| row.get(i).unwrap_or("");
    let pairs: Vec<(String, String)> = params
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), field(2 + i).to_string()))
        .collect();
    let config = space.config_from_pairs(&pairs)?;
    let r = 2 + params.len();
    // A column the log's layout lacks reads as empty.
    let col = |name: &str| {
        layout
            .columns
            .iter()
            .position(|c| *c == name)
            .map_or("", |i| field(r + i))
    };
    Ok(TrialRecord {
        trial: int(field(0), "trial")?,
        generation: int(field(1), "generation")?,
        config,
        outcome: col("outcome").to_string(),
        p50_us: opt(col("p50_us"), "p50_us")?,
        ci_lo_us: opt(col("ci_lo_us"), "ci_lo_us")?,
        ci_hi_us: opt(col("ci_hi_us"), "ci_hi_us")?,
        samples: opt_u32(col("samples"), "samples")?,
        raced_out: opt_bool(col("raced_out"))?,
        call_p50_us: opt(col("call_p50_us"), "call_p50_us")?,
        max_abs: opt(col("max_abs"), "max_abs")?,
        rel_l2: opt(col("rel_l2"), "rel_l2")?,
        rel_l2_vs_full: opt(col("rel_l2_vs_full"), "rel_l2_vs_full")?,
        registers: opt_u32(col("registers"), "registers")?,
        spill_bytes: opt_u32(col("spill_bytes"), "spill_bytes")?,
        static_smem: opt_u32(col("static_smem"), "static_smem")?,
        compile_ms: opt(col("compile_ms"), "compile_ms")?,
        sm_clock_mhz: opt_u32(col("sm_clock_mhz"), "sm_clock_mhz")?,
        reason: col("reason").to_string(),
    })
}

fn int(text: &str, name: &str) -> std::result::Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{name} '{text}' is not a count"))
}

fn opt(text: &str, name: &str) -> std::result::Result<Option<f64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{name} '{text}' is not a number"))
}

fn opt_bool(text: &str) -> std::result::Result<Option<bool>, String> {
    match text {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        other => Err(format!("raced_out '{other}' is neither true nor false")),
    }
}

/// Whole-number columns; older logs wrote them as floats ("168" or "168.0").
fn opt_u32(text: &str, name: &str) -> std::result::Result<Option<u32>, String> {
    Ok(opt(text, name)?.map(|v| v as u32))
}
