//! Scaled-dot-product attention as the core sees it: its problem ([`Shape`] as a [`Problem`]) and
//! its baselines: the unfused fp16 math path in-project (baseline A), PyTorch SDPA's fused flash
//! and cuDNN kernels (baseline B the faster), cuDNN's own FP8 SDPA (the kernel to beat),
//! PyTorch's math backend (for reference) and the timing protocol's floor.

use super::problem::{Problem, Var};
use super::registry::{Against, Baseline, Comparison, Operands, Registry, Role};
use crate::reference::Tolerance;
use crate::shape::Shape;

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

/// SDPA's problem: Q, K, V in and O out; two GEMMs per attended (query, key) pair.
impl Problem for Shape {
    /// B, H, S, D, SKV (keys per sequence), HKV (key/value heads) and CAUSAL.
    const VARIABLE_NAMES: &'static [&'static str] = &["B", "H", "S", "D", "SKV", "HKV", "CAUSAL"];

    /// An FP8 (e4m3) SDPA kernel against the float64 reference computed from the same dequantized
    /// inputs: |out − ref| ≤ 0.03 + 0.0625·|ref| for every element.
    ///
    /// **Provisional until measured on the card.** It is reasoned from the arithmetic, not fitted;
    /// it is to be replaced by a bound justified with the measured errors of straightforward correct
    /// kernels, and never loosened to let a variant pass.
    ///
    /// The reasoning. The inputs are the same FP8 values for kernel and reference, so the kernel's
    /// own error comes from the probabilities P, which a kernel re-quantizes to e4m3 before the PV
    /// product. E4M3 keeps 3 mantissa bits: round-to-nearest errs by at most 2^-4 of the value
    /// (subnormals, below 2^-6, by at most 2^-10 absolute). Each output element is an average of V
    /// weighted by P, so
    /// - when one key dominates (P ≈ 1 on it) the error is up to 2^-4 of that value of V, i.e. of the
    ///   output itself: the relative term 0.0625 = 2^-4;
    /// - when the weights are spread, the rounding errors (uniform, zero-mean, standard deviation
    ///   ≈ 0.025 of each weight) average out: the error's deviation is ≈ 0.025·sqrt(Σⱼ pⱼ²·vⱼ²).
    ///   With Q, K, V ~ N(0,1) and scale 1/√D the scores are ≈ N(0,1), so Σⱼ pⱼ² ≈ e/S: about 0.0026
    ///   at S = 512 and 0.01 at S = 16, with the largest of 10⁵–10⁶ elements some 5 deviations out.
    ///   The absolute term 0.03 covers that down to S ≈ 16, where outputs are O(0.4) and the
    ///   relative term adds another 0.025.
    ///
    /// The fp16 rounding of O (2^-11 relative) and fp32 accumulation are far below both terms.
    /// A kernel with a real bug (a missing softmax scale, a wrong row, a stale tile) is off by O(0.1–1).
    const DEFAULT_TOLERANCE: Tolerance = Tolerance {
        atol: 0.03,
        rtol: 0.0625,
    };

    fn variables(&self) -> Vec<(&'static str, Var)> {
        vec![
            ("B", Var::Int(self.b)),
            ("H", Var::Int(self.h)),
            ("S", Var::Int(self.s)),
            ("D", Var::Int(self.d)),
            ("SKV", Var::Int(self.skv())),
            ("HKV", Var::Int(self.hk())),
            ("CAUSAL", Var::Bool(self.causal)),
        ]
    }

    /// 4·D per attended pair (two GEMMs) over B·H heads, so 4·B·H·S²·D without a mask and about
    /// half of it with the causal mask.
    fn flops(&self) -> f64 {
        4.0 * (self.b * self.h) as f64 * self.pairs_per_head() * self.d as f64
    }

    /// Q, K, V in and O out.
    fn compulsory_bytes(&self, operands: Operands) -> f64 {
        (self.elements() * (operands.input_bytes + operands.output_bytes)
            + 2 * self.kv_elements() * operands.input_bytes) as f64
    }
}

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
            note: "Baseline A (unfused fp16 math path)",
            column: Some("A"),
        },
        Comparison {
            name: "baseline_b",
            aliases: &["best_fused"],
            label: "baseline B",
            description: "Baseline B: the faster of PyTorch flash and cuDNN (fp16, fused)",
            against: Against::Role(Role::Fused),
            note: "Baseline B (best fused fp16 kernel, the faster of flash and cuDNN kernel-only)",
            column: Some("B"),
        },
        Comparison {
            name: CUDNN_FP8,
            aliases: &[],
            label: "cuDNN FP8",
            description: CUDNN_FP8_DESCRIPTION,
            against: Against::Role(Role::Vendor),
            note: "cuDNN FP8 (cuDNN's own FP8 SDPA on the candidates' e4m3 inputs, the kernel to \
                   beat: `gate --vs cudnn_fp8`)",
            column: None,
        },
    ],
    candidates: CANDIDATES,
    traffic: "Q, K, V in, O out",
    floor_does: "reads Q, K, V and writes O",
    work: "attention",
    flops_per: "per forward pass (4·B·H·S²·D)",
    gate_vs: "baseline_a",
    target_vs: "baseline_b",
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
    fn the_problem_names_its_variables_in_order_and_counts_its_bytes() {
        let s = Shape::parse("2,8,512,64,causal,kv_heads=2,kv_len=600").unwrap();
        let vars = s.variables();
        let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, <Shape as Problem>::VARIABLE_NAMES);
        assert_eq!(vars[4], ("SKV", Var::Int(600)));
        assert_eq!(vars[5], ("HKV", Var::Int(2)));
        assert_eq!(vars[6], ("CAUSAL", Var::Bool(true)));
        // Q and O: 2·8·512·64 = 524288 elements each; K and V: 2·2·600·64 = 153600 each.
        assert_eq!(
            s.compulsory_bytes(CANDIDATES),
            (524_288 * 3 + 2 * 153_600) as f64
        );
        assert_eq!(s.compulsory_bytes(FP8), (524_288 * 2 + 2 * 153_600) as f64);
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
