//! Scaled-dot-product attention's baselines: the unfused fp16 math path in-project (baseline A),
//! PyTorch SDPA's fused flash and cuDNN kernels (baseline B the faster), cuDNN's own FP8 SDPA
//! (the kernel to beat), PyTorch's math backend (for reference) and the timing protocol's floor.

use super::registry::{Against, Baseline, Comparison, Operands, Registry, Role};

/// The in-project unfused math path (`evotune baseline`, cuBLAS and a softmax kernel).
pub const MATH: &str = "math";
/// PyTorch SDPA's flash backend.
pub const FLASH: &str = "flash";
/// PyTorch SDPA's cuDNN backend.
pub const CUDNN: &str = "cudnn";
/// cuDNN's own FP8 SDPA forward, through nvidia-cudnn-frontend.
pub const CUDNN_FP8: &str = "cudnn_fp8";
/// PyTorch SDPA's math backend.
pub const TORCH_MATH: &str = "torch_math";
/// The timing protocol's floor.
pub const FLOOR: &str = "floor";

/// What `cudnn_fp8` is, as the registry and `--vs cudnn_fp8` describe it.
const CUDNN_FP8_DESCRIPTION: &str = "cuDNN's own FP8 SDPA forward on the same FP8 inputs";

/// Bytes the floor moves per element: Q, K, V in (one byte each), O out (two bytes).
pub const FLOOR_BYTES_PER_ELEMENT: usize = 5;

/// fp16 in and out: PyTorch's kernels and the math path.
pub const FP16: Operands = Operands {
    bits: 16,
    input_bytes: 2,
    output_bytes: 2,
};

/// e4m3 in, fp16 out: evotune's candidates (and what the floor moves).
pub const CANDIDATES: Operands = Operands {
    bits: 8,
    input_bytes: 1,
    output_bytes: 2,
};

/// e4m3 in and out: cuDNN's FP8 SDPA (cuDNN on Hopper writes O in e4m3 only).
pub const FP8: Operands = Operands {
    bits: 8,
    input_bytes: 1,
    output_bytes: 1,
};

/// SDPA's baselines and comparisons.
pub static BASELINES: Registry = Registry {
    operation: "SDPA",
    baselines: &[
        Baseline {
            name: MATH,
            description: "The unfused fp16 math path, in-project: cuBLAS QKᵀ, a softmax kernel, \
                          cuBLAS PV",
            role: Role::Unfused,
            operands: FP16,
        },
        Baseline {
            name: FLASH,
            description: "PyTorch SDPA's flash backend (fp16)",
            role: Role::Fused,
            operands: FP16,
        },
        Baseline {
            name: CUDNN,
            description: "PyTorch SDPA's cuDNN backend (fp16)",
            role: Role::Fused,
            operands: FP16,
        },
        Baseline {
            name: CUDNN_FP8,
            description: CUDNN_FP8_DESCRIPTION,
            role: Role::Vendor,
            operands: FP8,
        },
        Baseline {
            name: TORCH_MATH,
            description: "PyTorch SDPA's math backend (fp16, unfused)",
            role: Role::Reference,
            operands: FP16,
        },
        Baseline {
            name: FLOOR,
            description: "The timing protocol's floor: a kernel that only reads Q, K, V and \
                          writes O",
            role: Role::Floor,
            operands: CANDIDATES,
        },
    ],
    roles: &[
        Comparison {
            name: "baseline_a",
            aliases: &[MATH],
            label: "baseline A",
            description: "Baseline A: the unfused fp16 math path (the `math` record)",
            against: Against::Role(Role::Unfused),
        },
        Comparison {
            name: "baseline_b",
            aliases: &["best_fused"],
            label: "baseline B",
            description: "Baseline B: the faster of PyTorch flash and cuDNN (fp16, fused)",
            against: Against::Role(Role::Fused),
        },
        Comparison {
            name: CUDNN_FP8,
            aliases: &[],
            label: "cuDNN FP8",
            description: CUDNN_FP8_DESCRIPTION,
            against: Against::Role(Role::Vendor),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparisons_are_the_roles_then_the_other_baselines_by_name() {
        let names: Vec<&str> = BASELINES.comparisons().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "baseline_a",
                "baseline_b",
                "cudnn_fp8",
                "flash",
                "cudnn",
                "torch_math",
                "floor"
            ]
        );
        let a = BASELINES.comparison(MATH).unwrap();
        assert_eq!((a.name, a.label), ("baseline_a", "baseline A"));
        assert_eq!(
            BASELINES.comparison("best_fused").unwrap().name,
            "baseline_b"
        );
        assert_eq!(BASELINES.comparison("efficient"), None);
    }

    #[test]
    fn roles_pick_their_members_in_report_order() {
        let b = BASELINES.comparison("baseline_b").unwrap();
        assert_eq!(BASELINES.members(b.against), [FLASH, CUDNN]);
        assert_eq!(BASELINES.floor(), Some(FLOOR));
        let vendors: Vec<&str> = BASELINES
            .baselines
            .iter()
            .filter(|b| b.role.is_vendor())
            .map(|b| b.name)
            .collect();
        assert_eq!(vendors, [FLASH, CUDNN, CUDNN_FP8]);
    }
}
