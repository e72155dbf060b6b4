//! Picking the elites of a search and writing them as `tune/topk.json` records.

use super::evaluator::Evaluated;
use crate::artifacts::{Elite, TopK, WallTimes};
use crate::op::ProblemSpec;
use std::path::{Path, PathBuf};

/// What `top_k` needs besides the trials.
pub struct RunFacts<'a> {
    /// The problem.
    pub shape: ProblemSpec,
    /// The space file.
    pub space: &'a Path,
    /// The kernel entry point.
    pub kernel: &'a str,
    /// Where time went, for live runs.
    pub wall: Option<WallTimes>,
}

/// The `k` best timed trials, best first (ties: earlier trial first), with their records.
pub fn top_k(trials: &[Evaluated], k: usize, facts: &RunFacts) -> TopK {
    let mut ok: Vec<&Evaluated> = trials
        .iter()
        .filter(|e| e.record.fitness().is_some())
        .collect();
    ok.sort_by(|a, b| {
        let fa = a.record.fitness().expect("filtered");
        let fb = b.record.fitness().expect("filtered");
        fa.total_cmp(&fb).then(a.record.trial.cmp(&b.record.trial))
    });
    let flops = facts.shape.flops();
    let elites = ok
        .into_iter()
        .take(k)
        .enumerate()
        .map(|(i, e)| elite(i + 1, e, flops))
        .collect();
    TopK {
        shape: facts.shape,
        flops,
        space: facts.space.to_path_buf(),
        kernel: facts.kernel.to_string(),
        trials: trials.len(),
        failures: trials.iter().filter(|e| !e.record.is_ok()).count(),
        wall: facts.wall,
        elites,
    }
}

fn elite(rank: usize, e: &Evaluated, flops: f64) -> Elite {
    Elite {
        rank,
        label: e.record.config.to_string(),
        record: e.record.clone(),
        kernel_time: e.kernel_time.clone(),
        call_time: e.call_time.clone(),
        kernel_tflops: e
            .record
            .fitness()
            .map(|us| crate::artifacts::tflops(flops, us)),
        source: e.source_hash.as_deref().map(source_path),
        confirmed: None,
    }
}

/// Where an elite's rendered source lives in the run folder.
pub fn source_path(hash: &str) -> PathBuf {
    Path::new("kernels").join(format!("{hash}.cu"))
}
