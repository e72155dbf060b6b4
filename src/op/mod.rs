//! The operations evotune tunes, as the core sees them: today one, scaled-dot-product attention
//! ([`sdpa`]), with its problem type ([`Problem`]) and the registry of the baselines it is
//! compared with ([`Registry`]).

mod problem;
mod registry;
pub mod sdpa;

pub use problem::{Problem, Var};
pub use registry::{Against, Baseline, Comparison, Operands, Registry, Role};

/// The registry of the operation tuned today, SDPA: the baselines a run folder holds and the
/// comparisons its report and gate make.
pub static REGISTRY: &Registry = &sdpa::BASELINES;
