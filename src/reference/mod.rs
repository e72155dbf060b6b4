//! The CPU references for FP8 SDPA and GEMM and the error figures of a kernel's output against
//! them.

pub mod errors;
pub mod gemm;
pub mod sdpa;

pub use errors::{
    check, check_bits, figures, figures_from_f16_bits, ErrorFigures, HalfFormat, Tolerance,
    Verdict, POISON_BF16, POISON_F16,
};
pub use gemm::gemm_f64;
pub use sdpa::{default_softmax_scale, sdpa_f64};
