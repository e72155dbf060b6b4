//! Device limits that constraints may name (shared memory, threads, SMs, arch).

use serde::{Deserialize, Serialize};

/// The limits of the device a kernel is built for, as constraint variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLimits {
    /// Compute capability as an integer, e.g. 90.
    pub arch: u32,
    /// Whether the arch-specific target (sm_90a) is used: wgmma and setmaxnreg need it.
    pub arch_specific: bool,
    /// Largest dynamic + static shared memory one block may opt into, bytes.
    pub max_smem_per_block: i64,
    /// Largest block, threads.
    pub max_threads_per_block: i64,
    /// 32-bit registers available to one block.
    pub max_regs_per_block: i64,
    /// Streaming multiprocessors.
    pub sm_count: i64,
}

impl DeviceLimits {
    /// The limits of an H100 SXM (sm_90a), used when compiling with `--arch` and no GPU.
    pub fn hopper() -> Self {
        DeviceLimits {
            arch: 90,
            arch_specific: true,
            max_smem_per_block: 232_448,
            max_threads_per_block: 1024,
            max_regs_per_block: 65_536,
            sm_count: 132,
        }
    }

    /// Default limits for an `sm_XY[a]` name given to `--arch`, or `None` if unknown.
    pub fn for_arch(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("sm_")?;
        let (digits, specific) = match rest.strip_suffix('a') {
            Some(d) => (d, true),
            None => (rest, false),
        };
        let arch: u32 = digits.parse().ok()?;
        let (smem, sms) = match arch {
            90 => (232_448, 132),
            89 => (101_376, 58),
            80 => (166_912, 108),
            86 | 87 => (101_376, 84),
            100 | 103 => (232_448, 148),
            120 => (101_376, 84),
            _ => return None,
        };
        Some(DeviceLimits {
            arch,
            arch_specific: specific,
            max_smem_per_block: smem,
            max_threads_per_block: 1024,
            max_regs_per_block: 65_536,
            sm_count: sms,
        })
    }

    /// The NVRTC target name, e.g. `sm_90a`.
    pub fn arch_name(&self) -> String {
        let suffix = if self.arch_specific { "a" } else { "" };
        format!("sm_{}{}", self.arch, suffix)
    }

    /// The variables constraints can name, with their values.
    pub fn variables(&self) -> Vec<(&'static str, evalexpr::Value)> {
        use evalexpr::Value::{Boolean, Int};
        vec![
            ("ARCH", Int(self.arch as i64)),
            ("ARCH_SPECIFIC", Boolean(self.arch_specific)),
            ("MAX_SMEM_PER_BLOCK", Int(self.max_smem_per_block)),
            ("MAX_THREADS_PER_BLOCK", Int(self.max_threads_per_block)),
            ("MAX_REGS_PER_BLOCK", Int(self.max_regs_per_block)),
            ("SM_COUNT", Int(self.sm_count)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arch_names() {
        let h = DeviceLimits::for_arch("sm_90a").unwrap();
        assert_eq!(h, DeviceLimits::hopper());
        assert_eq!(h.arch_name(), "sm_90a");
        let plain = DeviceLimits::for_arch("sm_90").unwrap();
        assert!(!plain.arch_specific);
        assert!(DeviceLimits::for_arch("sm_91x").is_none());
        assert!(DeviceLimits::for_arch("compute_90").is_none());
    }
}
