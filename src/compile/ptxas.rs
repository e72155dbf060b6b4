//! Parsing the ptxas resource report (`--ptxas-options=-v`) from an NVRTC log.

use serde::{Deserialize, Serialize};

/// Resources ptxas assigned to one kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// Registers per thread.
    pub registers: u32,
    /// Bytes stored to local memory by register spills.
    pub spill_stores: u32,
    /// Bytes loaded from local memory by register spills.
    pub spill_loads: u32,
    /// Stack frame bytes per thread.
    pub stack_frame: u32,
    /// Static shared memory bytes per block.
    pub static_smem: u32,
    /// Named barriers used.
    pub barriers: u32,
}

/// Reads the report for `kernel` from `log`; `None` when the log has no such report.
pub fn parse(log: &str, kernel: &str) -> Option<Resources> {
    let mut lines = log.lines().skip_while(|l| !is_header_for(l, kernel));
    lines.next()?;
    let mut res = Resources::default();
    let mut saw_usage = false;
    for line in lines.take_while(|l| !l.contains("Compiling entry function")) {
        if line.contains("stack frame") {
            res.stack_frame = number_before(line, "bytes stack frame").unwrap_or(0);
            res.spill_stores = number_before(line, "bytes spill stores").unwrap_or(0);
            res.spill_loads = number_before(line, "bytes spill loads").unwrap_or(0);
        }
        if line.contains("Used") && line.contains("registers") {
            saw_usage = true;
            res.registers = number_after(line, "Used").unwrap_or(0);
            res.barriers = number_after(line, "used").unwrap_or(0);
            res.static_smem = number_before(line, "bytes smem").unwrap_or(0);
        }
    }
    saw_usage.then_some(res)
}

/// Whether ptxas reports that it serialized the kernel's wgmma instructions (its "Potential
/// Performance Loss: wgmma.mma_async instructions are serialized ..." notes, C7510-C7515): the
/// kernel then waits after every wgmma, whatever its source pipelines.
pub fn serializes_wgmma(log: &str) -> bool {
    log.contains("wgmma.mma_async instructions are serialized")
}

fn is_header_for(line: &str, kernel: &str) -> bool {
    line.contains("Compiling entry function") && line.contains(&format!("'{kernel}'"))
}

/// The integer just before `marker`, e.g. `"24 bytes spill stores"`.
fn number_before(line: &str, marker: &str) -> Option<u32> {
    let head = &line[..line.find(marker)?];
    head.split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())?
        .parse()
        .ok()
}

/// The integer just after `marker`, e.g. `"Used 14 registers"`.
fn number_after(line: &str, marker: &str) -> Option<u32> {
    let tail = &line[line.find(marker)? + marker.len()..];
    tail.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log captured from NVRTC 13.0 compiling a small kernel for sm_90a with `-v`.
    const LOG: &str = "ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'k' for 'sm_90a'
ptxas info    : Function properties for k
ptxas         .     8 bytes stack frame, 24 bytes spill stores, 16 bytes spill loads
ptxas info    : Used 168 registers, used 1 barriers, 1024 bytes smem
ptxas info    : Compile time = 9.717 ms
";

    #[test]
    fn tells_a_serialized_wgmma_kernel() {
        let note = "ptxas info    : (C7512) Potential Performance Loss: wgmma.mma_async \
                    instructions are serialized due to insufficient register resources for the \
                    function 'k'\n";
        assert!(serializes_wgmma(&format!("{note}{LOG}")));
        assert!(!serializes_wgmma(LOG));
    }

    #[test]
    fn reads_registers_spills_and_smem() {
        let r = parse(LOG, "k").unwrap();
        assert_eq!(
            r,
            Resources {
                registers: 168,
                spill_stores: 24,
                spill_loads: 16,
                stack_frame: 8,
                static_smem: 1024,
                barriers: 1,
            }
        );
    }

    #[test]
    fn another_kernel_or_no_report_gives_none() {
        assert_eq!(parse(LOG, "other"), None);
        assert_eq!(parse("error: expected ;", "k"), None);
    }

    #[test]
    fn a_line_without_barriers_still_parses() {
        let log = "ptxas info    : Compiling entry function 'k' for 'sm_90a'\n\
                   ptxas info    : Used 14 registers, 380 bytes cmem[0]\n";
        let r = parse(log, "k").unwrap();
        assert_eq!((r.registers, r.barriers, r.static_smem), (14, 0, 0));
    }
}
