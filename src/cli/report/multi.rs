//! Writing a multi-shape report: the output path checked, the report rendered in memory, then
//! its plots and markdown written, and the path printed.

use crate::cli::run_dir::check_file_writable;
use crate::error::Error;
use crate::report::multi::{self, MultiOptions, ProblemResult};
use std::path::Path;

/// Renders the report of `problems` (from `source`) and writes it to `path`; `flag` is named
/// where `path`'s folder cannot be written.
pub fn publish(
    problems: &[ProblemResult],
    source: Vec<String>,
    path: &Path,
    flag: &'static str,
) -> anyhow::Result<()> {
    let stem = stem(path)?;
    check_file_writable(flag, path)?;
    let rendered = multi::render(problems, &MultiOptions { source, stem })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    let written = multi::write(&rendered, path)?;
    println!("{}", written.display());
    Ok(())
}

/// The report's file stem (its plots' folder); the file must be a `.md` that is not a folder.
fn stem(path: &Path) -> crate::Result<String> {
    let bad = |why: &str| Error::flag("--out", format!("{}: {why}", path.display()));
    if path.is_dir() {
        return Err(bad(
            "is a folder; name the markdown file to write (FILE.md)",
        ));
    }
    if path.extension().is_none_or(|e| e != "md") {
        return Err(bad("expects a markdown file name ending in .md"));
    }
    path.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| bad("expects a markdown file name ending in .md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_must_be_a_markdown_file() {
        assert_eq!(stem(Path::new("out/sweep.md")).unwrap(), "sweep");
        let e = stem(Path::new("out/sweep.txt")).unwrap_err().to_string();
        assert!(e.starts_with("--out out/sweep.txt: expects"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = stem(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
    }
}
