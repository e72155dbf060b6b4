//! Evaluating candidates: outcomes, the worker protocol, and the worker pool with its watchdog.

mod outcome;
mod pool;
mod protocol;
mod worker;

pub use outcome::Outcome;
pub use pool::{describe_exit, Worker, WorkerSpec};
pub use protocol::{EvalRequest, EvalResponse, Launch, Timing, TimingPlan, Tolerance, WorkerHello};
pub use worker::{serve, Backend};
