//! `evotune worker --device N` (hidden): one GPU's evaluators, speaking the worker protocol on
//! stdin and stdout; started by the tuner and by `evotune bench`, never by hand. It serves every
//! operation: each request's problem says which evaluator answers it.

use super::args::WorkerArgs;
use crate::error::Error;
use crate::eval::{self, Backend, EvalRequest, EvalResponse, Outcome, WorkerHello};
use crate::gpu::{self, GemmOp, GpuBackend, GpuOperation, Sdpa};
use crate::op::Operation;
use std::io::Write;

/// Finds the GPU and serves requests; without one, writes a fatal hello and fails (exit 1).
pub fn run(args: &WorkerArgs) -> anyhow::Result<()> {
    let info = match gpu::detect(args.device as i32) {
        Ok(info) => info,
        Err(e) => {
            write_fatal_hello(&e)?;
            return Err(e.into());
        }
    };
    let hello = WorkerHello {
        device: info.describe(),
        pid: std::process::id(),
        fatal: None,
    };
    eval::serve(
        &hello,
        &mut Backends::new(args.device),
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    )?;
    Ok(())
}

/// The hello of a worker that cannot serve: why, and nothing else.
fn write_fatal_hello(e: &Error) -> anyhow::Result<()> {
    let fatal = match e {
        Error::Gpu(message) => message.clone(),
        other => other.to_string(),
    };
    let hello = WorkerHello {
        device: String::new(),
        pid: std::process::id(),
        fatal: Some(fatal),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&hello)?)?;
    out.flush()?;
    Ok(())
}

/// One GPU's evaluators, one per operation, each opened on the first request of its operation.
struct Backends {
    device: u32,
    sdpa: Option<GpuBackend<Sdpa>>,
    gemm: Option<GpuBackend<GemmOp>>,
    /// The operation of the last request: its evaluator says whether the worker can go on.
    last: Option<Operation>,
}

impl Backends {
    fn new(device: u32) -> Self {
        Backends {
            device,
            sdpa: None,
            gemm: None,
            last: None,
        }
    }
}

impl Backend for Backends {
    fn evaluate(&mut self, req: &EvalRequest) -> EvalResponse {
        let op = req.problem.operation();
        self.last = Some(op);
        match op {
            Operation::Sdpa => evaluate_with(&mut self.sdpa, self.device, req),
            Operation::Gemm => evaluate_with(&mut self.gemm, self.device, req),
        }
    }

    /// What the last request's evaluator says; false when it could not be opened.
    fn usable_after(&self, resp: &EvalResponse) -> bool {
        match self.last {
            Some(Operation::Sdpa) => self.sdpa.as_ref().is_some_and(|b| b.usable_after(resp)),
            Some(Operation::Gemm) => self.gemm.as_ref().is_some_and(|b| b.usable_after(resp)),
            None => false,
        }
    }
}

/// Evaluates `req` with `backend`, opening it on GPU `device` first when it is not open yet; one
/// that cannot be opened answers `worker_crashed` with the reason.
fn evaluate_with<O: GpuOperation>(
    backend: &mut Option<GpuBackend<O>>,
    device: u32,
    req: &EvalRequest,
) -> EvalResponse {
    if backend.is_none() {
        match GpuBackend::<O>::open(device) {
            Ok(opened) => *backend = Some(opened),
            Err(e) => {
                let reason = format!(
                    "cannot open the GPU evaluator for {}: {e}",
                    req.problem.operation()
                );
                return EvalResponse::failed(req.id, Outcome::WorkerCrashed { reason });
            }
        }
    }
    backend.as_mut().expect("opened above").evaluate(req)
}
