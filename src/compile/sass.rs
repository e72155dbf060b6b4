//! The machine code of a cubin, through nvdisasm (pip `nvidia-cuda-nvdisasm`): which
//! instructions a kernel really uses (QGMMA for FP8 wgmma, UTMALDG for TMA loads, ...).

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// nvdisasm: `$EVOTUNE_NVDISASM`, else `nvidia/cu13/bin/nvdisasm` under `$EVOTUNE_PIP_PREFIX`,
/// else `$CUDA_HOME/bin`, `/usr/local/cuda/bin`, else the first on `PATH`.
pub fn nvdisasm_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EVOTUNE_NVDISASM") {
        return Some(PathBuf::from(p));
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(prefix) = std::env::var_os("EVOTUNE_PIP_PREFIX") {
        candidates.push(PathBuf::from(prefix).join("nvidia/cu13/bin/nvdisasm"));
    }
    if let Some(home) = std::env::var_os("CUDA_HOME") {
        candidates.push(PathBuf::from(home).join("bin/nvdisasm"));
    }
    candidates.push(PathBuf::from("/usr/local/cuda/bin/nvdisasm"));
    if let Some(paths) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&paths).map(|p| p.join("nvdisasm")));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// The SASS of `cubin` as nvdisasm prints it (`-c`: code sections only).
pub fn disassemble(cubin: &[u8]) -> Result<String> {
    let tool = nvdisasm_path().ok_or_else(|| {
        Error::Nvrtc(
            "nvdisasm not found: `python3 -m pip install --target $EVOTUNE_PIP_PREFIX \
             nvidia-cuda-nvdisasm` (scripts/test.sh does), or set EVOTUNE_NVDISASM"
                .into(),
        )
    })?;
    let dir = tempfile_dir()?;
    let path = dir.join("kernel.cubin");
    std::fs::write(&path, cubin).map_err(|e| Error::io("write", &path, e))?;
    let out = Command::new(&tool).arg("-c").arg(&path).output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.map_err(|e| Error::io("run", &tool, e))?;
    if !out.status.success() {
        return Err(Error::Nvrtc(format!(
            "{} failed: {}",
            tool.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "evotune-sass-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    Ok(dir)
}

/// How often each opcode (the mnemonic before its first '.', e.g. `QGMMA` for
/// `QGMMA.64x128x32.F32.E4M3.E4M3`) appears in nvdisasm's output.
pub fn opcode_counts(sass: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in sass.lines() {
        if let Some(op) = opcode(line) {
            *counts.entry(op.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// The opcode of one instruction line: `/*0330*/  @!P0 USETMAXREG.TRY_ALLOC ... ;`.
fn opcode(line: &str) -> Option<&str> {
    let code = line.trim_start().strip_prefix("/*")?;
    let (_, rest) = code.split_once("*/")?;
    let mut words = rest.split_whitespace();
    let mut word = words.next()?;
    if word.starts_with('@') {
        word = words.next()?;
    }
    let op = word.split('.').next()?.trim_end_matches(';');
    op.chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        .then_some(op)
        .filter(|o| !o.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_are_read_without_predicates_and_modifiers() {
        let sass = "\
        /*0330*/                   USETMAXREG.TRY_ALLOC.CTAPOOL UP0, 0xe8 ;\n\
        /*0350*/              @!P0 BRA `(.L_x_3) ;\n\
        /*0360*/                   QGMMA.64x128x32.F32.E4M3.E4M3 R24, gdesc[UR4], R24, gsb0 ;\n\
        .L_x_3:\n\
        /*0370*/                   EXIT ;\n";
        let counts = opcode_counts(sass);
        assert_eq!(counts["USETMAXREG"], 1);
        assert_eq!(counts["BRA"], 1);
        assert_eq!(counts["QGMMA"], 1);
        assert_eq!(counts["EXIT"], 1);
        assert_eq!(counts.len(), 4);
    }
}
