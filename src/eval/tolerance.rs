//! The default pass/fail bounds of a candidate's output against the FP8 reference.

use crate::reference::Tolerance;

/// Default tolerance of an FP8 (e4m3) SDPA kernel against the float64 reference computed from the
/// same dequantized inputs: |out − ref| ≤ 0.03 + 0.0625·|ref| for every element.
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
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance {
    atol: 0.03,
    rtol: 0.0625,
};

/// Tolerance of the fp16 "math" baseline (cuBLAS QKᵀ → softmax → PV, fp16 in and out, fp32
/// accumulation) against the float64 reference on the same fp16-rounded inputs:
/// |out − ref| ≤ 0.01 + 0.01·|ref|.
///
/// Provisional like [`DEFAULT_TOLERANCE`]. Reasoning: the scores S = QKᵀ are stored in fp16
/// (2^-11 relative, |S| ≲ 60 for D ≤ 256 so the absolute error ≲ 0.015 before the 1/√D scale and
/// ≲ 0.002 after it, i.e. ≲ 0.2% on each weight), P is stored in fp16 (2^-11 relative) and O is
/// rounded to fp16: together well under 1% of the output, plus a small absolute term for outputs
/// near zero.
pub const FP16_MATH_TOLERANCE: Tolerance = Tolerance {
    atol: 0.01,
    rtol: 0.01,
};
