//! Synthetic GEMM landscapes for the integration tests (no GPU): a replay log over every valid
//! point of the GEMM space at one problem, with times from a formula of the point's index,
//! written by the tests themselves, so nothing answered from them is a measurement.

use evotune::artifacts::LogProblem;
use evotune::op::Gemm;
use evotune::space::{self, DeviceLimits};
use evotune::tunelog::{TrialRecord, TuneLog};
use std::path::{Path, PathBuf};

/// The GEMM space.
pub const GEMM_SPACE: &str = "search_spaces/gemm_fp8.toml";

/// Writes at `path` (with its `.problem.json`) a landscape of the GEMM `problem`: point i of
/// the n valid points takes `best_us`·(1 + ((i·7919) mod n)/(2n)) µs, so point 0 is the one
/// best, at `best_us`. Returns `path`.
pub fn gemm_landscape(path: &Path, problem: &str, best_us: f64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join(GEMM_SPACE)).unwrap();
    let gemm: Gemm = problem.parse().unwrap();
    let points = space.valid_points(&gemm, &DeviceLimits::hopper()).unwrap();
    let n = points.len();
    assert!(n > 100 && !n.is_multiple_of(7919), "{n} points");
    let mut log = TuneLog::create(path, &space).unwrap();
    for (i, p) in points.iter().enumerate() {
        let mut r = TrialRecord::unmeasured(&p.config, "ok", String::new());
        r.trial = i;
        let us = best_us * (1.0 + ((i * 7919) % n) as f64 / (2 * n) as f64);
        (r.p50_us, r.ci_lo_us, r.ci_hi_us) = (Some(us), Some(us * 0.99), Some(us * 1.01));
        (r.max_abs, r.rel_l2) = (Some(0.01), Some(0.001));
        log.append(&r).unwrap();
    }
    let problem = LogProblem {
        shape: gemm,
        device: Some("synthetic".into()),
    };
    problem.write(path).unwrap();
    path.to_path_buf()
}
