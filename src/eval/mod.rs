//! Evaluating candidates: outcomes, the worker protocol, the worker pool with its watchdog,
//! evaluation in fresh worker processes, launch geometry, default tolerances and racing.

mod flush;
mod fresh;
mod geometry;
mod outcome;
mod pool;
mod protocol;
mod race;
mod tolerance;
mod worker;

pub use flush::{FlushMode, TimingProtocol, GRAPH_LAUNCHES};
pub use fresh::{evaluate_in_fresh_workers, FreshStart};
pub use geometry::{launch_for, LAUNCH_VALUES};
pub use outcome::Outcome;
#[cfg(test)]
pub(crate) use pool::tests::fake_spec;
pub use pool::{describe_exit, Worker, WorkerSpec};
pub use protocol::{
    EvalRequest, EvalResponse, KernelArgs, Launch, Phases, Timing, TimingPlan, Tolerance,
    WorkerHello, DEFAULT_TARGET_S, MIN_REPS, NO_CLUSTER, WARMUP,
};
pub use race::{
    sample_racing, Cutoff, RaceBound, RaceSettings, Raced, RACE_CHUNK, RACE_MARGIN,
    RACE_MIN_SAMPLES, RACE_Z,
};
pub use tolerance::{DEFAULT_TOLERANCE, FP16_MATH_TOLERANCE};
pub use worker::{serve, Backend};
