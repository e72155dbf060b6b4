//! A GPU worker process's side of the protocol: read requests, evaluate, answer, one per line.

use super::protocol::{EvalRequest, EvalResponse, WorkerHello};
use std::io::{BufRead, Write};

/// What a worker evaluates requests with (the GPU evaluator in the product).
pub trait Backend {
    /// Evaluates one request; failures are outcomes, never panics.
    fn evaluate(&mut self, req: &EvalRequest) -> EvalResponse;
    /// Whether the backend can go on after `resp` (false after a fault that poisons the context).
    fn usable_after(&self, resp: &EvalResponse) -> bool;
}

/// Serves requests from `input` until it closes or the backend becomes unusable.
/// The first line written is a hello naming the device.
pub fn serve(
    hello: &WorkerHello,
    backend: &mut dyn Backend,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    writeln!(output, "{}", serde_json::to_string(hello)?)?;
    output.flush()?;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let req: EvalRequest = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        let resp = backend.evaluate(&req);
        writeln!(output, "{}", serde_json::to_string(&resp)?)?;
        output.flush()?;
        if !backend.usable_after(&resp) {
            break;
        }
    }
    Ok(())
}
