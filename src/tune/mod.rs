//! The tuner: an optimizer asks for configs, an [`Evaluator`] answers (the GPU, or a recorded
//! log replayed), every trial is logged as soon as it ends, and the elites are kept (and, on
//! the GPU, confirmed in fresh worker processes).
//!
//! A run is resumable: the search is deterministic given its seed and the answers, so replaying
//! the answers already in the log brings the optimizer back to where the run stopped.

mod confirm;
mod elites;
mod evaluator;
mod live;
mod pipelined;
mod quality;
mod quality_row;
mod quality_steady;
mod replay;
mod search;
mod simulate;
mod steady;
mod wall_model;

pub use confirm::{confirmation, floor_note, PROCESS_SD_FLOOR};
pub use elites::{source_path, top_k, RunFacts};
pub use evaluator::{Candidate, Evaluated, Evaluator};
pub use live::{KernelFactory, LiveEvaluator, LiveProblem, LiveSettings};
pub use pipelined::Pipelined;
pub use quality::{compare_on_landscape, Methods, QualityReport};
pub use quality_row::QualityRow;
pub use quality_steady::{AnswerOrder, SteadyTest, WallEstimate};
pub use replay::{recorded_problem, require_log, require_problem, ReplayEvaluator, ABSENT};
pub use search::{search, Quiet, SearchEvents, SearchOutcome};
pub use simulate::{Noise, SampleTally, SimulatedTiming};
pub use steady::{search_steady, Window};
pub use wall_model::{generation_sizes, WallModel};

#[cfg(test)]
mod tests;
