//! Writing the export folder. Everything is written into a temporary folder beside DIR and
//! renamed to DIR at the end, so a failed or interrupted export leaves DIR as it was (a
//! previous export there is replaced only once the new one is complete).

use super::header;
use super::table::DispatchTable;
use crate::error::{Error, Input, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files of the export that do not depend on the table: the Python package, the GPU check
/// and the folder's README, by their path in DIR.
const STATIC_FILES: [(&str, &str); 8] = [
    (
        "README.md",
        include_str!("../../export_templates/README.md"),
    ),
    (
        "python/evotune_kernels/__init__.py",
        include_str!("../../export_templates/python/evotune_kernels/__init__.py"),
    ),
    (
        "python/evotune_kernels/table.py",
        include_str!("../../export_templates/python/evotune_kernels/table.py"),
    ),
    (
        "python/evotune_kernels/gemm_table.py",
        include_str!("../../export_templates/python/evotune_kernels/gemm_table.py"),
    ),
    (
        "python/evotune_kernels/gemm_launch.py",
        include_str!("../../export_templates/python/evotune_kernels/gemm_launch.py"),
    ),
    (
        "python/evotune_kernels/driver.py",
        include_str!("../../export_templates/python/evotune_kernels/driver.py"),
    ),
    (
        "python/evotune_kernels/README.md",
        include_str!("../../export_templates/python/evotune_kernels/README.md"),
    ),
    (
        "python/check.py",
        include_str!("../../scripts/check_export.py"),
    ),
];

/// The source and cubin of one kernel, written as `kernels/<id>.cu` and `.cubin`.
pub struct KernelFiles {
    /// The entry's id.
    pub id: String,
    /// CUDA source.
    pub source: String,
    /// Machine code.
    pub cubin: Arc<Vec<u8>>,
}

/// An export being written: the temporary folder and the folder it becomes.
pub struct Staging {
    out: PathBuf,
    tmp: tempfile::TempDir,
}

impl Staging {
    /// Checks that `out` may be written (absent, empty or a previous export) and creates the
    /// temporary folder beside it; errors name the export folder.
    pub fn begin(out: &Path) -> Result<Staging> {
        let bad =
            |why: String| Error::input(Input::ExportFolder, format!("{}: {why}", out.display()));
        if out.is_file() {
            return Err(bad("is a file, not a folder".into()));
        }
        if out.is_dir() && !out.join("dispatch.json").is_file() && !is_empty(out) {
            return Err(bad(
                "holds files and is not an evotune export (no dispatch.json); \
                 name another folder or empty it"
                    .into(),
            ));
        }
        let parent = parent_of(out);
        std::fs::create_dir_all(&parent)
            .map_err(|e| bad(format!("cannot create {}: {e}", parent.display())))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.tmp-", file_name(out)))
            .tempdir_in(&parent)
            .map_err(|e| bad(format!("cannot write into {}: {e}", parent.display())))?;
        Ok(Staging {
            out: out.to_path_buf(),
            tmp,
        })
    }

    /// The temporary folder.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the temporary folder to DIR, replacing a previous export there.
    pub fn commit(self) -> Result<()> {
        let tmp = self.tmp.keep();
        let out = &self.out;
        if !out.exists() {
            return std::fs::rename(&tmp, out).map_err(|e| Error::io("rename into", out, e));
        }
        let old = parent_of(out).join(format!(".{}.old-{}", file_name(out), std::process::id()));
        std::fs::rename(out, &old).map_err(|e| Error::io("move aside", out, e))?;
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::rename(&old, out);
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(Error::io("rename into", out, e));
        }
        std::fs::remove_dir_all(&old).map_err(|e| Error::io("remove", &old, e))
    }
}

/// Writes the table, the header, the kernels and the static files into `dir`.
pub fn write_all(dir: &Path, table: &DispatchTable, kernels: &[KernelFiles]) -> Result<()> {
    let json = serde_json::to_string_pretty(table).expect("a dispatch table serializes");
    write(&dir.join("dispatch.json"), format!("{json}\n").as_bytes())?;
    write(&dir.join("dispatch.h"), header::render(table)?.as_bytes())?;
    for k in kernels {
        write(
            &dir.join(format!("kernels/{}.cu", k.id)),
            k.source.as_bytes(),
        )?;
        write(&dir.join(format!("kernels/{}.cubin", k.id)), &k.cubin)?;
    }
    for (path, text) in STATIC_FILES {
        write(&dir.join(path), text.as_bytes())?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("write", path, e))
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned())
}
