//! The operations evotune tunes, as the core sees them: scaled-dot-product attention ([`sdpa`])
//! and the FP8 matrix product ([`gemm`]), each with its problem type ([`Problem`]; either one as
//! a [`ProblemSpec`]), and the registry of the baselines SDPA is compared with ([`Registry`]).

pub mod gemm;
mod operation;
mod problem;
mod registry;
pub mod sdpa;
mod spec;

pub use gemm::Gemm;
pub use operation::Operation;
pub use problem::{Problem, Var};
pub use registry::{Against, Baseline, Comparison, Operands, Registry, Role};
pub use spec::ProblemSpec;

/// The registry of the operation tuned today, SDPA: the baselines a run folder holds and the
/// comparisons its report and gate make.
pub static REGISTRY: &Registry = &sdpa::BASELINES;
