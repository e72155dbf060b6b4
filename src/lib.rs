//! evotune: an autotuning search engine for GPU kernels (FP8 attention on Hopper first).
//!
//! The pipeline, one module per stage: a search [`space`] gives configs, a [`template`] turns
//! each into CUDA source ([`kernel`] pairs it with its launch), [`compile`] builds it with NVRTC
//! (cached, parallel), [`gpu`] runs it on fresh inputs, checks it against the
//! [`reference`](mod@reference) and times it (behind the worker processes of [`eval`]),
//! [`baseline`] measures what it is compared with, [`evolve`] proposes configs and
//! [`tune`] runs the search (its trials in the [`tunelog`], its run folder in [`artifacts`]);
//! [`ncu`] profiles the elites, [`report`] renders the markdown report and [`gate`] enforces a
//! speedup in CI; [`db`] keeps the best config of every tuned problem and device, and [`export`]
//! writes its best kernels with a dispatch table and a Python package that calls them. [`op`]
//! describes the operations tuned (SDPA, and FP8 GEMM through every stage but the database,
//! export and sweeps so far) by their problem types ([`op::Problem`]; a space file names its
//! operation, a run folder records its problem) and each one's registry of the baselines it is
//! compared with; on the GPU, [`gpu::GpuOperation`] is what the evaluator asks of each.

pub mod artifacts;
pub mod baseline;
pub mod cli;
pub mod compile;
pub mod db;
pub mod error;
pub mod eval;
pub mod evolve;
pub mod export;
pub mod gate;
pub mod gpu;
pub mod kernel;
pub mod matmul;
pub mod ncu;
pub mod numerics;
pub mod op;
pub mod progress;
pub mod reference;
pub mod report;
pub mod shape;
pub mod shape_limits;
pub mod space;
pub mod stats;
pub mod template;
pub mod tune;
pub mod tunelog;
pub mod warm;

pub use error::{Error, Result};

/// The commit this binary was built from ("-dirty" when its tree had uncommitted changes,
/// "unknown" outside a git checkout); set by build.rs.
pub const BUILD_COMMIT: &str = env!("EVOTUNE_BUILD_COMMIT");

/// `0.1.0 (built from <commit>)`, as `--version` prints it.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (built from ",
    env!("EVOTUNE_BUILD_COMMIT"),
    ")"
);
