//! Reading `ncu --csv --page raw` output: a header row of column names (fixed columns such as
//! "ID" and "Kernel Name", then one column per metric), a row of units, then one row per
//! profiled kernel launch. Values may carry thousands separators ("1,234.5"); ncu's own
//! `==PROF==`/`==WARNING==` lines are skipped.

use std::collections::BTreeMap;

/// One profiled kernel launch.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// ncu's launch id.
    pub id: String,
    /// The kernel's (demangled) name.
    pub kernel: String,
    /// Block size as ncu prints it, e.g. "(128, 1, 1)".
    pub block: Option<String>,
    /// Grid size as ncu prints it.
    pub grid: Option<String>,
    /// Metric name → (unit, value as printed).
    pub values: BTreeMap<String, (String, String)>,
}

impl RawRow {
    /// The value of metric `name` converted to evotune's units: times in µs, sizes in bytes,
    /// everything else as printed; `None` when absent or not a number ("n/a").
    pub fn value(&self, name: &str) -> Option<f64> {
        let (unit, text) = self.values.get(name)?;
        Some(number(text)? * unit_scale(unit))
    }
}

/// Parses the raw page; an error names what is missing.
pub fn parse_raw(text: &str) -> Result<Vec<RawRow>, String> {
    let body: String = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("\"ID\""))
        .filter(|l| !l.starts_with("=="))
        .map(|l| format!("{l}\n"))
        .collect();
    if body.is_empty() {
        return Err("no CSV header (a row starting with \"ID\") in ncu's output".into());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("unreadable header: {e}"))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (id, kernel) = match (col("ID"), col("Kernel Name")) {
        (Some(i), Some(k)) => (i, k),
        _ => return Err("the header has no \"ID\" or no \"Kernel Name\" column".into()),
    };
    let (block, grid) = (col("Block Size"), col("Grid Size"));
    let mut units = None;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
        let field = |c: usize| record.get(c).unwrap_or("").to_string();
        if field(id).is_empty() {
            units = Some(record.clone());
            continue;
        }
        let values = header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains("__"))
            .map(|(c, h)| {
                let unit = units.as_ref().and_then(|u| u.get(c)).unwrap_or("");
                (h.to_string(), (unit.to_string(), field(c)))
            })
            .collect();
        rows.push(RawRow {
            id: field(id),
            kernel: field(kernel),
            block: block.map(field),
            grid: grid.map(field),
            values,
        });
    }
    Ok(rows)
}

/// A number as ncu prints it: thousands separators and surrounding spaces or quotes removed;
/// `None` for "n/a" or anything else that is not a number.
pub fn number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .trim_matches('"')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The factor from `unit` to evotune's units: µs for times, bytes for sizes (ncu's prefixes
/// are decimal: 1 Kbyte = 1000 bytes), 1 for anything else (%, counts, registers).
fn unit_scale(unit: &str) -> f64 {
    let head = unit.split('/').next().unwrap_or(unit).trim();
    match head {
        "nsecond" | "ns" => 1e-3,
        "usecond" | "us" => 1.0,
        "msecond" | "ms" => 1e3,
        "second" | "s" => 1e6,
        "Kbyte" | "KB" => 1e3,
        "Mbyte" | "MB" => 1e6,
        "Gbyte" | "GB" => 1e9,
        "Kibyte" | "KiB" => 1024.0,
        "Mibyte" | "MiB" => 1024.0 * 1024.0,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_thousands_separators_and_quotes() {
        assert_eq!(number("\"1,234,567.5\""), Some(1_234_567.5));
        assert_eq!(number(" 42 "), Some(42.0));
        assert_eq!(number("n/a"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn units_convert_to_microseconds_and_bytes() {
        let row = RawRow {
            id: "0".into(),
            kernel: "k".into(),
            block: None,
            grid: None,
            values: [
                ("a__t.sum", ("nsecond", "13,120")),
                ("b__t.sum", ("msecond", "0.5")),
                ("c__b.sum", ("Kbyte/block", "48.13")),
                ("d__p.pct", ("%", "61.2")),
            ]
            .into_iter()
            .map(|(k, (u, v))| (k.to_string(), (u.to_string(), v.to_string())))
            .collect(),
        };
        assert!((row.value("a__t.sum").unwrap() - 13.12).abs() < 1e-9);
        assert_eq!(row.value("b__t.sum"), Some(500.0));
        assert!((row.value("c__b.sum").unwrap() - 48_130.0).abs() < 1e-6);
        assert_eq!(row.value("d__p.pct"), Some(61.2));
        assert_eq!(row.value("missing"), None);
    }

    #[test]
    fn output_without_a_header_is_an_error() {
        let e = parse_raw("==ERROR== ERR_NVGPUCTRPERM\n").unwrap_err();
        assert!(e.contains("no CSV header"), "{e}");
    }
}
