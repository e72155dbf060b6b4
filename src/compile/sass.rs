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

/// One instruction of nvdisasm's output: its opcode and the label it branches to, if any.
#[derive(Debug, Clone, PartialEq)]
struct Instruction {
    op: String,
    target: Option<String>,
}

/// A loop in the machine code: the instructions from a label to a branch back to it, in program
/// order (nested loops and cold blocks that lie in between included, each once).
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    /// Index of the first instruction (the branch target).
    pub start: usize,
    /// Opcode of every instruction of the loop, in order.
    pub ops: Vec<String>,
}

impl Loop {
    /// Instructions in the loop's range.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the range is empty (never, for a loop nvdisasm printed).
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether the loop holds `op`.
    pub fn has(&self, op: &str) -> bool {
        self.ops.iter().any(|o| o == op)
    }
}

/// The loops of `sass`: every backward branch (`BRA` to a label at or before it) closes one.
/// Sorted by size, smallest first, so that the first loop holding an instruction is the
/// innermost one around it.
pub fn loops(sass: &str) -> Vec<Loop> {
    let mut code: Vec<Instruction> = Vec::new();
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for line in sass.lines() {
        if let Some(label) = line
            .trim()
            .strip_suffix(':')
            .filter(|l| l.starts_with(".L"))
        {
            labels.insert(label.to_string(), code.len());
        } else if let Some(op) = opcode(line) {
            let target = line
                .split_once("`(")
                .and_then(|(_, rest)| rest.split_once(')'))
                .map(|(label, _)| label.to_string());
            code.push(Instruction {
                op: op.to_string(),
                target,
            });
        }
    }
    let mut found: Vec<Loop> = code
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.op == "BRA")
        .filter_map(|(end, ins)| {
            let start = *labels.get(ins.target.as_ref()?)?;
            (start <= end).then(|| Loop {
                start,
                ops: code[start..=end].iter().map(|i| i.op.clone()).collect(),
            })
        })
        .collect();
    found.sort_by_key(|l| (l.len(), l.start));
    found
}

/// The innermost loop that holds every one of `ops`.
pub fn innermost_loop_with<'a>(loops: &'a [Loop], ops: &[&str]) -> Option<&'a Loop> {
    loops.iter().find(|l| ops.iter().all(|op| l.has(op)))
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

    #[test]
    fn loops_are_closed_by_backward_branches_and_sorted_innermost_first() {
        let sass = "\
        /*0000*/                   MOV R1, c[0x0][0x28] ;\n\
        .L_x_0:\n\
        /*0010*/                   LDSM.16.MT88.4 R4, [R2] ;\n\
        .L_x_1:\n\
        /*0020*/                   SYNCS.PHASECHK.TRANS64.TRYWAIT P0, [R3], R5 ;\n\
        /*0030*/              @!P0 BRA `(.L_x_1) ;\n\
        /*0040*/                   QGMMA.64x128x32.F32.E4M3.E4M3 R24, gdesc[UR4], R24 ;\n\
        /*0050*/              @P1 BRA `(.L_x_0) ;\n\
        /*0060*/                   BRA `(.L_x_2) ;\n\
        .L_x_2:\n\
        /*0070*/                   EXIT ;\n";
        let found = loops(sass);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].ops, ["SYNCS", "BRA"]);
        assert_eq!(found[1].len(), 5);
        let outer = innermost_loop_with(&found, &["QGMMA"]).unwrap();
        assert_eq!(outer.start, 1);
        assert!(innermost_loop_with(&found, &["EXIT"]).is_none());
    }
}
