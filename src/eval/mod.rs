//! Evaluating candidates: outcomes, the worker protocol, the worker pool with its watchdog,
//! launch geometry and default tolerances.

mod geometry;
mod outcome;
mod pool;
mod protocol;
mod tolerance;
mod worker;

pub use geometry::{launch_for, LAUNCH_VALUES};
pub use outcome::Outcome;
pub use pool::{describe_exit, Worker, WorkerSpec};
pub use protocol::{
    EvalRequest, EvalResponse, KernelArgs, Launch, Timing, TimingPlan, Tolerance, WorkerHello,
};
pub use tolerance::{DEFAULT_TOLERANCE, FP16_MATH_TOLERANCE};
pub use worker::{serve, Backend};
