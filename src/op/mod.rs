//! The operations evotune tunes, as the core sees them: scaled-dot-product attention ([`sdpa`])
//! and the FP8 matrix product ([`gemm`]), each with its problem type ([`Problem`]; either one as
//! a [`ProblemSpec`]) and the registry of the baselines it is compared with ([`Registry`],
//! found through [`Operation::registry`]).

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

/// SDPA's registry: what a run folder that does not say its problem is compared with.
pub static REGISTRY: &Registry = &sdpa::BASELINES;
