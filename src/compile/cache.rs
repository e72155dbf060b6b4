//! The on-disk compile cache: cubin + record, keyed by a hash of source, options and NVRTC version.

use super::CompileRecord;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A folder of `<key>.json` records and `<key>.cubin` binaries.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Hex SHA-256 of everything that determines NVRTC's output.
pub fn key(source: &str, options: &[String], nvrtc_version: &str) -> String {
    let mut h = Sha256::new();
    for part in [source, &options.join("\x1f"), nvrtc_version] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Cache {
    /// The cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Cache { dir: dir.into() }
    }

    /// The default folder: `$EVOTUNE_CACHE_DIR`, else `$XDG_CACHE_HOME/evotune/kernels`,
    /// else `~/.cache/evotune/kernels`, else `.evotune-cache`.
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("EVOTUNE_CACHE_DIR") {
            return d.into();
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")));
        match base {
            Some(b) => b.join("evotune").join("kernels"),
            None => PathBuf::from(".evotune-cache"),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The record and cubin stored under `key`, if both are there and readable.
    pub fn load(&self, key: &str) -> Option<(CompileRecord, Option<Vec<u8>>)> {
        let text = std::fs::read_to_string(self.path(key, "json")).ok()?;
        let record: CompileRecord = serde_json::from_str(&text).ok()?;
        if !record.ok {
            return Some((record, None));
        }
        let cubin = std::fs::read(self.path(key, "cubin")).ok()?;
        Some((record, Some(cubin)))
    }

    /// Stores a record (and its cubin) atomically: a crash never leaves a half-written entry.
    pub fn store(&self, record: &CompileRecord, cubin: Option<&[u8]>) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io("create", &self.dir, e))?;
        if let Some(bin) = cubin {
            write_atomic(&self.path(&record.key, "cubin"), bin)?;
        }
        let json = serde_json::to_vec_pretty(record).expect("a record serializes");
        write_atomic(&self.path(&record.key, "json"), &json)
    }

    fn path(&self, key: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{key}.{ext}"))
    }
}

/// Writes `dir/<hash>.cu` and `dir/<hash>.cubin` (creating `dir`); returns the cubin's absolute
/// path, which a worker process can open whatever its working folder.
pub fn write_kernel_files(dir: &Path, hash: &str, source: &str, cubin: &[u8]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    write_atomic(&dir.join(format!("{hash}.cu")), source.as_bytes())?;
    let bin = dir.join(format!("{hash}.cubin"));
    write_atomic(&bin, cubin)?;
    std::path::absolute(&bin).map_err(|e| Error::io("resolve", &bin, e))
}

/// Writes `bytes` to a temporary sibling, then renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("rename into", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_changes_with_source_options_and_version() {
        let opts = vec!["--gpu-architecture=sm_90a".to_string()];
        let k = key("a", &opts, "13.0");
        assert_eq!(k.len(), 64);
        assert_eq!(k, key("a", &opts, "13.0"));
        assert_ne!(k, key("b", &opts, "13.0"));
        assert_ne!(k, key("a", &[], "13.0"));
        assert_ne!(k, key("a", &opts, "13.1"));
        // Boundaries between parts matter: moving text from one part to the next changes it.
        assert_ne!(key("ab", &[], "c"), key("a", &[], "bc"));
    }
}
