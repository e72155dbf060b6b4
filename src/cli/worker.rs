//! `evotune worker --device N` (hidden): one GPU's evaluator, speaking the worker protocol on
//! stdin and stdout; started by the tuner and by `evotune bench`, never by hand.

use super::args::WorkerArgs;
use crate::error::Error;
use crate::eval::{self, WorkerHello};
use crate::gpu::{GpuBackend, Sdpa};
use std::io::Write;

/// Opens the GPU and serves requests; without one, writes a fatal hello and fails (exit 1).
pub fn run(args: &WorkerArgs) -> anyhow::Result<()> {
    let mut backend = match GpuBackend::<Sdpa>::open(args.device) {
        Ok(b) => b,
        Err(e) => {
            let fatal = match &e {
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
            return Err(e.into());
        }
    };
    let hello = backend.hello();
    eval::serve(
        &hello,
        &mut backend,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    )?;
    Ok(())
}
