//! Run folders of the GPU commands: default names (`artifacts/<kind>-<UTC time>`) and JSON files.

use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// `--out` if given, else `artifacts/<kind>-YYYYMMDD-HHMMSS` (UTC, now).
pub fn run_dir(out: Option<&Path>, kind: &str) -> PathBuf {
    out.map(Path::to_path_buf).unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Path::new("artifacts").join(format!("{kind}-{}", utc_stamp(now)))
    })
}

/// `YYYYMMDD-HHMMSS` for `secs` seconds after 1970-01-01T00:00:00Z (proleptic Gregorian).
pub fn utc_stamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level
/// Date Algorithms", civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Fails, naming `flag`, unless folder `dir` can be created and written: its nearest existing
/// ancestor must be a folder in which a file can be made (probed with an unnamed temporary file,
/// gone when closed). Nothing is left behind.
pub fn check_writable(flag: &'static str, dir: &Path) -> Result<()> {
    probe_writable(flag, dir, dir)
}

/// Fails, naming `flag` and `file`, unless `file`'s folder can be created and written (as
/// [`check_writable`]); the file itself is not made.
pub fn check_file_writable(flag: &'static str, file: &Path) -> Result<()> {
    probe_writable(flag, file, file.parent().unwrap_or(Path::new("")))
}

/// The nearest existing folder of `dir` and its ancestors (`.` for a relative path none of
/// whose ancestors exists).
pub fn nearest_existing(dir: &Path) -> &Path {
    dir.ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())
        .unwrap_or(Path::new("."))
}

/// Probes folder `dir` (its nearest existing ancestor); errors show `shown`.
fn probe_writable(flag: &'static str, shown: &Path, dir: &Path) -> Result<()> {
    let existing = nearest_existing(dir);
    let refuse = |why: String| {
        Error::flag(
            flag,
            format!("{}: cannot write there ({why})", shown.display()),
        )
    };
    if !existing.is_dir() {
        return Err(refuse(format!("{} is not a folder", existing.display())));
    }
    tempfile::tempfile_in(existing)
        .map(drop)
        .map_err(|e| refuse(format!("{}: {e}", existing.display())))
}

/// The compile cache in `--cache-dir`, checked writable up front, else in the default folder
/// (whose failures stay the cache's own errors, naming the folder).
pub fn kernel_cache(dir: Option<&Path>) -> Result<crate::compile::Cache> {
    use crate::compile::Cache;
    match dir {
        Some(dir) => {
            check_writable("--cache-dir", dir)?;
            Ok(Cache::new(dir))
        }
        None => Ok(Cache::new(Cache::default_dir())),
    }
}

/// Writes `value` as pretty JSON to `path`, creating its folder.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    let mut text = serde_json::to_string_pretty(value).expect("results serialize");
    text.push('\n');
    crate::compile::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_by_hand() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        // 2000-02-29T12:34:56Z, a leap day: 951827696.
        assert_eq!(utc_stamp(951_827_696), "20000229-123456");
        // 2024-12-31T23:59:59Z: 1735689599.
        assert_eq!(utc_stamp(1_735_689_599), "20241231-235959");
    }

    #[test]
    fn an_out_under_a_file_or_a_missing_parent_is_judged_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = check_writable("--out", &file.join("run"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--out ") && err.contains("is not a folder"),
            "{err}"
        );
        let deep = dir.path().join("a/b/c");
        check_writable("--out", &deep).unwrap();
        assert!(!dir.path().join("a").exists(), "the check creates nothing");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        check_writable("--out", Path::new("relative-run")).unwrap();
    }

    #[test]
    fn out_wins_over_the_default() {
        assert_eq!(
            run_dir(Some(Path::new("x/y")), "bench"),
            PathBuf::from("x/y")
        );
        let d = run_dir(None, "bench").display().to_string();
        assert!(
            d.starts_with("artifacts/bench-") && d.len() == "artifacts/bench-".len() + 15,
            "{d}"
        );
    }
}
