//! Nsight Compute profiles of a run's baseline and elites: which metrics to ask for (looked up on
//! the device, not guessed), running `ncu`, reading its `--csv --page raw` output, and the
//! `ncu/summary.json` the report reads.

mod metrics;
mod plan;
mod raw_csv;
mod session;
mod summary;
mod tool;

pub use metrics::{select, Available, MetricSpec, Selection, METRICS};
pub use plan::{targets, PlanOptions, Target, MATH_KERNELS};
pub use raw_csv::{number, parse_raw, RawRow};
pub use session::{not_profiled, profile_all, METHOD};
pub use summary::{KernelMetrics, NcuStatus, NcuSummary, Profile, ProfileStatus};
pub use tool::{NcuTool, ProfileFailure, ProfileJob};

#[cfg(test)]
mod tests;
