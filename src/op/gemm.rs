//! The FP8 matrix product D = alpha·A·Bᵀ + bias as the core sees it: its problem M, N, K
//! ([`Gemm`], from [`crate::matmul`]) as a [`Problem`], with the tolerance its outputs are checked
//! at, and its baselines: cuBLASLt's FP8 matmul (the kernel to beat), cuBLAS at fp16, PyTorch's
//! `_scaled_mm` and the timing protocol's floor.

use super::problem::{Problem, Var};
use super::registry::{Against, Baseline, Comparison, Operands, Registry, Role};
pub use crate::matmul::{Gemm, ROW_ALIGN};
use crate::reference::Tolerance;

/// The GEMM's problem: A and Bᵀ in, D out; one multiply-add per (row, column, k).
impl Problem for Gemm {
    /// M, N and K.
    const VARIABLE_NAMES: &'static [&'static str] = &["M", "N", "K"];

    /// An FP8 (e4m3) GEMM kernel against the float64 reference computed from the same dequantized
    /// inputs: |out − ref| ≤ 0.03 + 2⁻⁶·|ref| (2⁻⁶ = 0.015625) for every element.
    ///
    /// Reasoned from the arithmetic, not fitted to measured errors; never to be loosened to let a
    /// variant pass.
    ///
    /// The inputs. A, B ~ N(0,1) quantized to e4m3, bias ~ N(0, 0.25), alpha = 1/√K times the two
    /// descales: each output is alpha·Σₖ aₖbₖ ~ N(0,1) plus the bias, |D| ≲ 6. Kernel and
    /// reference see the same e4m3 values, so quantization is no part of the error; what is:
    /// - **The accumulator.** e4m3 products are exact (4-bit significands), but Hopper's FP8
    ///   wgmma adds each k32 step's products into an accumulator of 13 fraction bits (e8m13),
    ///   truncating toward zero (DeepSeek-V3 report, §3.3.2: "around 14 bits"). A step errs by
    ///   less than 2⁻¹³ of the partial sum, 2⁻¹⁴ on average, of one sign while the sum keeps its
    ///   sign: over n = K/32 steps about 2⁻¹⁴·Σⱼ|accⱼ|. The partial sums (in output units, the
    ///   bias left out) are a random walk; given its end x it is a bridge, so
    ///   Σⱼ|accⱼ| ≲ n·(|x|/2 + b), b the bridge's mean |excursion| (0.31 on average). With
    ///   |x| ≤ |ref| + |bias| the error is at most about n·2⁻¹⁵·|ref| + n·2⁻¹⁴·(|bias|/2 + b),
    ///   and |bias|/2 + b stays below about 2 over 10⁷ outputs. So the relative term holds for
    ///   n ≤ 496 and the absolute term for n ≤ 245: K up to about 8,000. At K = 4096 the bound is
    ///   0.0039·|ref| + 0.016, about twice inside. For longer K a kernel moves its partial sums
    ///   into fp32 registers every few k32 steps (the GEMM space's PROMOTE; DeepSeek-V3 does it
    ///   every 128 of K): then this term falls below 10⁻³.
    /// - **The output**, fp16: 2⁻¹¹ of the value, inside the relative term. The fp32 epilogue
    ///   (alpha·acc + bias) errs by 2⁻²³ of it, and the float32 GPU reference of large problems
    ///   by about √K·2⁻²⁴ (sums of K terms of random sign): 10⁻⁵ at K = 4096.
    ///
    /// A kernel with a real bug (a missing K slice or partial tile, a missing bias, a wrong scale,
    /// a wrong row) is off by 0.1–1 in many outputs: one missing slice of 128 at K = 8192 moves
    /// outputs by N(0, 0.125²).
    const DEFAULT_TOLERANCE: Tolerance = Tolerance {
        atol: 0.03,
        rtol: 0.015625,
    };

    fn variables(&self) -> Vec<(&'static str, Var)> {
        vec![
            ("M", Var::Int(self.m)),
            ("N", Var::Int(self.n)),
            ("K", Var::Int(self.k)),
        ]
    }

    /// 2·M·N·K: a multiply and an add per (row, column, k).
    fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }

    /// A and B read once at the input size, D written once at the output size (the bias, 4·N
    /// bytes, is not counted).
    fn compulsory_bytes(&self, operands: Operands) -> f64 {
        ((self.a_elements() + self.b_elements()) * operands.input_bytes
            + self.d_elements() * operands.output_bytes) as f64
    }
}

/// cuBLASLt's FP8 matmul on the same e4m3 inputs and scales, in-project.
pub const CUBLASLT_FP8: &str = "cublaslt_fp8";
/// cuBLAS's fp16 GEMM on the same values in fp16, in-project.
pub const CUBLAS_FP16: &str = "cublas_fp16";
/// PyTorch's `torch._scaled_mm` (cuBLASLt's FP8 matmul behind PyTorch's dispatch).
pub const SCALED_MM: &str = "scaled_mm";
/// The timing protocol's floor.
pub const FLOOR: &str = "floor";

/// What `cublaslt_fp8` is, as the registry and `--vs cublaslt_fp8` describe it.
const CUBLASLT_FP8_DESCRIPTION: &str =
    "cuBLASLt's FP8 matmul (e4m3 A and B with their scales, fp16 D) on the same inputs";

/// What `cublas_fp16` is, as the registry and `--vs cublas_fp16` describe it.
const CUBLAS_FP16_DESCRIPTION: &str = "cuBLAS's fp16 GEMM on the same values (fp16 in and out)";

/// e4m3 in, fp16 out: the candidates, cuBLASLt's FP8 matmul, `_scaled_mm` and the floor.
pub const FP8_IN: Operands = Operands {
    bits: 8,
    input_bytes: 1,
    output_bytes: 2,
};

/// fp16 in and out: cuBLAS's fp16 GEMM.
pub const FP16: Operands = Operands {
    bits: 16,
    input_bytes: 2,
    output_bytes: 2,
};

/// The GEMM's baselines and comparisons.
pub static BASELINES: Registry = Registry {
    operation: "GEMM",
    baselines: &[
        Baseline {
            name: CUBLASLT_FP8,
            description: CUBLASLT_FP8_DESCRIPTION,
            role: Role::Vendor,
            operands: FP8_IN,
        },
        Baseline {
            name: CUBLAS_FP16,
            description: CUBLAS_FP16_DESCRIPTION,
            role: Role::Fused,
            operands: FP16,
        },
        Baseline {
            name: SCALED_MM,
            description: "PyTorch's torch._scaled_mm (cuBLASLt FP8 behind PyTorch's dispatch)",
            role: Role::Reference,
            operands: FP8_IN,
        },
        Baseline {
            name: FLOOR,
            description: "The timing protocol's floor: a kernel that only reads A and B and \
                          writes D",
            role: Role::Floor,
            operands: FP8_IN,
        },
    ],
    roles: &[
        Comparison {
            name: CUBLASLT_FP8,
            aliases: &["vendor"],
            label: "cuBLASLt FP8",
            description: CUBLASLT_FP8_DESCRIPTION,
            against: Against::Role(Role::Vendor),
            note: "cuBLASLt FP8 (cuBLASLt's FP8 matmul on the candidates' e4m3 inputs, the kernel \
                   to beat: `gate --vs cublaslt_fp8`)",
            column: Some("vendor"),
        },
        Comparison {
            name: CUBLAS_FP16,
            aliases: &[],
            label: "cuBLAS fp16",
            description: CUBLAS_FP16_DESCRIPTION,
            against: Against::Role(Role::Fused),
            note: "cuBLAS fp16 (cuBLAS's fp16 GEMM on the same values)",
            column: Some("fp16"),
        },
    ],
    candidates: FP8_IN,
    traffic: "A, B in, D out",
    floor_does: "reads A and B and writes D",
    work: "a matrix product",
    flops_per: "per product (2·M·N·K)",
    gate_vs: CUBLASLT_FP8,
    target_vs: CUBLASLT_FP8,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn gemm(text: &str) -> Gemm {
        text.parse().unwrap()
    }

    #[test]
    fn the_problem_names_its_variables_and_counts_work_and_bytes() {
        let g = gemm("100,96,272");
        let names: Vec<&str> = g.variables().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, <Gemm as Problem>::VARIABLE_NAMES);
        assert_eq!(g.variables()[2], ("K", Var::Int(272)));
        assert_eq!(g.flops(), 2.0 * 100.0 * 96.0 * 272.0);
        // e4m3 in, fp16 out: (100 + 96)·272 bytes of A and B, 100·96·2 of D.
        assert_eq!(
            g.compulsory_bytes(FP8_IN),
            (196 * 272 + 100 * 96 * 2) as f64
        );
    }

    /// Any K is a problem; its rows are stored 16-byte aligned, K itself where it already is.
    #[test]
    fn the_comparisons_are_the_vendor_kernels_then_the_other_baselines() {
        let names: Vec<&str> = BASELINES.comparisons().map(|c| c.name).collect();
        assert_eq!(names, [CUBLASLT_FP8, CUBLAS_FP16, SCALED_MM, FLOOR]);
        assert_eq!(BASELINES.comparison("vendor").unwrap().name, CUBLASLT_FP8);
        assert_eq!(BASELINES.floor(), Some(FLOOR));
        assert_eq!(BASELINES.comparison("baseline_a"), None);
    }
}
