//! GEMM cliffs: along the one dimension a group of GEMMs varies (K at fixed M and N, say), a
//! problem whose best TFLOP/s (evotune's) falls more than [`GEMM_CLIFF_FALL`] below both of its
//! neighbours' (the nearest values on either side that have a best). The ends of a group have
//! one neighbour and are never cliffs.

use super::groups::{groups, Varying};
use super::model::{Method, ProblemResult};

/// How far below the lower of its two neighbours' TFLOP/s a GEMM's must fall to be a cliff
/// (more than 15 %).
pub const GEMM_CLIFF_FALL: f64 = 0.15;

/// One cliff: a GEMM, the group it was found in, and its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct GemmCliff {
    /// The problem's text, `1024,1024,96`.
    pub problem: String,
    /// The group's label, `1024,1024,K`.
    pub group: String,
    /// The dimension the group varies.
    pub varying: Varying,
    /// The problem's value of it, and evotune's best TFLOP/s there.
    pub at: (usize, f64),
    /// The neighbour below: its value and TFLOP/s.
    pub before: (usize, f64),
    /// The neighbour above.
    pub after: (usize, f64),
}

impl GemmCliff {
    /// The fall below the lower neighbour, as a fraction of its TFLOP/s.
    pub fn fall(&self) -> f64 {
        1.0 - self.at.1 / self.before.1.min(self.after.1)
    }
}

/// Every cliff of the GEMMs among `problems`, group by group (M, then N, then K).
pub fn gemm_cliffs(problems: &[ProblemResult]) -> Vec<GemmCliff> {
    let mut out = Vec::new();
    for varying in Varying::GEMM {
        for g in groups(problems, varying) {
            let points: Vec<(&ProblemResult, (usize, f64))> = g
                .members
                .iter()
                .filter_map(|p| {
                    Some((
                        *p,
                        (varying.of(&p.problem)?, p.tflops_of(&Method::Evotune)?),
                    ))
                })
                .collect();
            for w in points.windows(3) {
                let (before, (p, at), after) = (w[0].1, w[1], w[2].1);
                if at.1 < (1.0 - GEMM_CLIFF_FALL) * before.1.min(after.1) {
                    out.push(GemmCliff {
                        problem: p.label(),
                        group: g.label.clone(),
                        varying,
                        at,
                        before,
                        after,
                    });
                }
            }
        }
    }
    out
}

/// Whether some group of the GEMMs among `problems` has three members (a cliff needs two
/// neighbours).
pub fn any_gemm_trio(problems: &[ProblemResult]) -> bool {
    Varying::GEMM
        .iter()
        .any(|&v| groups(problems, v).iter().any(|g| g.members.len() > 2))
}
