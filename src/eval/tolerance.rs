//! The default pass/fail bounds of a candidate's output against the FP8 reference.

use crate::op::Problem;
use crate::reference::Tolerance;
use crate::shape::Shape;

/// Default tolerance of an FP8 (e4m3) SDPA kernel against the float64 reference computed from the
/// same dequantized inputs: SDPA's problem type states it and why
/// ([`Problem::DEFAULT_TOLERANCE`] of [`Shape`]).
pub const DEFAULT_TOLERANCE: Tolerance = <Shape as Problem>::DEFAULT_TOLERANCE;

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
