//! Which tuned problems are near a new one (see the module comment of `warm`).

use crate::db::{Attention, FreshnessCheck, Problem, TuningRow};
use std::collections::HashMap;

/// How far apart two problems are: infinite between operations; for SDPA, |log2| ratios of
/// B·H, S, kv_len and the query heads per KV head, plus twice that of D, and infinite between
/// causal and non-causal problems; for GEMM, |log2| ratios of M, N and K.
pub fn distance(a: &Problem, b: &Problem) -> f64 {
    match (a, b) {
        (Problem::Sdpa(a), Problem::Sdpa(b)) => attention_distance(a, b),
        (Problem::Gemm(a), Problem::Gemm(b)) => {
            log_ratio(a.m, b.m) + log_ratio(a.n, b.n) + log_ratio(a.k, b.k)
        }
        _ => f64::INFINITY,
    }
}

fn attention_distance(a: &Attention, b: &Attention) -> f64 {
    if a.causal != b.causal {
        return f64::INFINITY;
    }
    let r = log_ratio;
    r(a.batch * a.heads, b.batch * b.heads)
        + r(a.seq_len, b.seq_len)
        + r(a.kv_len, b.kv_len)
        + r(a.heads * b.kv_heads, b.heads * a.kv_heads)
        + 2.0 * r(a.head_dim, b.head_dim)
}

/// |log2(x / y)|.
fn log_ratio(x: usize, y: usize) -> f64 {
    ((x as f64) / (y as f64)).log2().abs()
}

/// The best fresh row of each problem tuned on `gpu`, nearest to `problem` first (ties: the
/// faster first), with its distance; problems at an infinite distance are left out.
pub fn nearest<'a>(
    rows: &'a [TuningRow],
    problem: &Problem,
    gpu: &str,
    check: &mut FreshnessCheck,
) -> Vec<(&'a TuningRow, f64)> {
    let mut best: HashMap<Problem, &TuningRow> = HashMap::new();
    for r in rows.iter().filter(|r| r.gpu == gpu) {
        if !check.of(r).is_fresh() {
            continue;
        }
        let slot = best.entry(r.problem).or_insert(r);
        if r.kernel_p50_us < slot.kernel_p50_us {
            *slot = r;
        }
    }
    let mut out: Vec<(&TuningRow, f64)> = best
        .into_values()
        .map(|r| (r, distance(problem, &r.problem)))
        .filter(|(_, d)| d.is_finite())
        .collect();
    out.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then(a.0.kernel_p50_us.total_cmp(&b.0.kernel_p50_us))
    });
    out
}
