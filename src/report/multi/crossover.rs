//! The crossover: which method is fastest at each problem (evotune's best, named by its kernel
//! family, or a baseline; the floor is not attention and never wins), and where each wins.

use super::model::{Method, ProblemResult, Time};

/// The fastest method at one problem and the one after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Win {
    /// The problem's full text.
    pub problem: String,
    /// The winner's name: `evotune (wgmma)` or a baseline's.
    pub winner: String,
    /// Its kernel-only median, µs.
    pub winner_us: f64,
    /// The second fastest, with its median (µs), when there is one.
    pub runner_up: Option<(String, f64)>,
    /// Whether the two medians' 95% CIs overlap (`None` when one is not recorded).
    pub overlap: Option<bool>,
}

/// The name of `m` in the crossover: evotune's names its kernel family.
pub fn contender(p: &ProblemResult, m: &Method) -> String {
    match (m, p.best().and_then(|b| b.family.as_deref())) {
        (Method::Evotune, Some(f)) => format!("evotune ({f})"),
        _ => m.name().to_string(),
    }
}

/// The winner at `p` among `methods`, if any attention method was measured.
pub fn winner(p: &ProblemResult, methods: &[Method]) -> Option<Win> {
    let mut timed: Vec<(&Method, &Time)> = methods
        .iter()
        .filter(|m| m.is_attention())
        .filter_map(|m| Some((m, p.time_of(m)?)))
        .collect();
    timed.sort_by(|a, b| a.1.p50_us.total_cmp(&b.1.p50_us));
    let (first, t1) = *timed.first()?;
    let second = timed.get(1);
    Some(Win {
        problem: p.label(),
        winner: contender(p, first),
        winner_us: t1.p50_us,
        runner_up: second.map(|(m, t)| (contender(p, m), t.p50_us)),
        overlap: second.and_then(|(_, t2)| overlap(t1, t2)),
    })
}

fn overlap(a: &Time, b: &Time) -> Option<bool> {
    let ((a0, a1), (b0, b1)) = (a.ci_us?, b.ci_us?);
    Some(a0.max(b0) <= a1.min(b1))
}

/// Each winner with the problems it wins, in the order of its first win.
pub fn summary(wins: &[Win]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for w in wins {
        match out.iter_mut().find(|(name, _)| *name == w.winner) {
            Some((_, problems)) => problems.push(w.problem.clone()),
            None => out.push((w.winner.clone(), vec![w.problem.clone()])),
        }
    }
    out
}
