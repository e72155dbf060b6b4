//! One request evaluated in several fresh worker processes, one after the other: separate
//! processes differ more than one process's samples do, so their spread is worth measuring.

use super::pool::{Worker, WorkerSpec};
use super::protocol::{EvalRequest, EvalResponse, WorkerHello};
use crate::error::Result;
use std::time::Duration;

/// A fresh worker that has just said hello, as the progress callback sees it.
#[derive(Debug, Clone, Copy)]
pub struct FreshStart<'a> {
    /// Which process this is, from 1.
    pub process: u32,
    /// How many processes are planned.
    pub processes: u32,
    /// What the worker said when it started.
    pub hello: &'a WorkerHello,
}

/// Evaluates `req` in `processes` fresh workers started from `spec`, each stopped before the
/// next starts, waiting at most `limit` for each answer. The dump, if asked for, comes from the
/// first process only. Stops at the first response that is not ok (it is the last returned).
/// `started` hears of each worker before it evaluates (for a progress line). A worker that
/// cannot start is an error.
pub fn evaluate_in_fresh_workers(
    spec: &WorkerSpec,
    req: &EvalRequest,
    processes: u32,
    limit: Duration,
    started: &mut dyn FnMut(FreshStart),
) -> Result<Vec<EvalResponse>> {
    let mut responses = Vec::new();
    for process in 1..=processes {
        let mut req = req.clone();
        if process > 1 {
            req.dump = None;
        }
        let mut worker = Worker::start(spec)?;
        started(FreshStart {
            process,
            processes,
            hello: &worker.hello,
        });
        let resp = worker.evaluate(&req, limit);
        drop(worker);
        let ok = resp.outcome.is_ok();
        responses.push(resp);
        if !ok {
            break;
        }
    }
    Ok(responses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::fake_spec;
    use crate::eval::pool::tests::request;
    use std::collections::HashSet;

    #[test]
    fn each_process_is_a_fresh_worker_and_all_answer() {
        let mut pids = Vec::new();
        let got = evaluate_in_fresh_workers(
            &fake_spec(),
            &request(7, "ok:10"),
            3,
            Duration::from_secs(10),
            &mut |s| {
                assert_eq!(s.processes, 3);
                pids.push((s.process, s.hello.pid));
            },
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(
            got.iter().all(|r| r.outcome.is_ok() && r.id == 7),
            "{got:?}"
        );
        assert_eq!(pids.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 3]);
        let distinct: HashSet<u32> = pids.iter().map(|p| p.1).collect();
        assert_eq!(distinct.len(), 3, "a new process each time: {pids:?}");
        let methods: HashSet<&str> = got
            .iter()
            .map(|r| r.kernel_time.as_ref().unwrap().method.as_str())
            .collect();
        assert_eq!(methods.len(), 3, "each timing names its own worker");
    }

    #[test]
    fn the_first_failure_ends_the_series() {
        let mut starts = 0;
        let got = evaluate_in_fresh_workers(
            &fake_spec(),
            &request(1, "wrong"),
            3,
            Duration::from_secs(10),
            &mut |_| starts += 1,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].outcome.name(), "invalid");
        assert_eq!(starts, 1, "no second worker after the failure");
    }
}
