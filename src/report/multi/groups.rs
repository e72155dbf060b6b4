//! Problems that differ in one dimension only: the same B, H, mask, key/value heads and key
//! length at several head dims, or the same problem at several sequence lengths; for GEMMs, the
//! same two of M, N, K at several values of the third.

use super::model::{Method, ProblemResult};
use crate::op::ProblemSpec;

/// The dimension a group varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varying {
    /// The head dim D.
    HeadDim,
    /// The sequence length S (with it the key length, unless the problem sets its own).
    SeqLen,
    /// A GEMM's M.
    M,
    /// A GEMM's N.
    N,
    /// A GEMM's K.
    K,
}

impl Varying {
    /// The dimensions a GEMM's groups vary.
    pub const GEMM: [Varying; 3] = [Varying::M, Varying::N, Varying::K];

    /// The varying value of `problem`, if it is of the operation this dimension belongs to.
    pub fn of(self, problem: &ProblemSpec) -> Option<usize> {
        match (self, problem) {
            (Varying::HeadDim, ProblemSpec::Sdpa(s)) => Some(s.d),
            (Varying::SeqLen, ProblemSpec::Sdpa(s)) => Some(s.s),
            (Varying::M, ProblemSpec::Gemm(g)) => Some(g.m),
            (Varying::N, ProblemSpec::Gemm(g)) => Some(g.n),
            (Varying::K, ProblemSpec::Gemm(g)) => Some(g.k),
            _ => None,
        }
    }

    /// `problem` with the varying value blanked: equal for every member of a group.
    fn key(self, problem: &ProblemSpec) -> Option<ProblemSpec> {
        self.of(problem)?;
        let mut k = *problem;
        match &mut k {
            ProblemSpec::Sdpa(s) if self == Varying::HeadDim => s.d = 0,
            ProblemSpec::Sdpa(s) => s.s = 0,
            ProblemSpec::Gemm(g) if self == Varying::M => g.m = 0,
            ProblemSpec::Gemm(g) if self == Varying::N => g.n = 0,
            ProblemSpec::Gemm(g) => g.k = 0,
        }
        Some(k)
    }

    /// The letter that stands for the value in a group's label.
    pub fn letter(self) -> &'static str {
        match self {
            Varying::HeadDim => "D",
            Varying::SeqLen => "S",
            Varying::M => "M",
            Varying::N => "N",
            Varying::K => "K",
        }
    }

    /// Where the value stands in the problem's text.
    fn index(self) -> usize {
        match self {
            Varying::HeadDim => 3,
            Varying::SeqLen => 2,
            Varying::M => 0,
            Varying::N => 1,
            Varying::K => 2,
        }
    }
}

/// Problems that differ only in one dimension, ordered by it (at least two values).
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// What varies.
    pub varying: Varying,
    /// The shared problem with the varying value written as its letter: `2,8,512,D`.
    pub label: String,
    /// One problem per value, ascending.
    pub members: Vec<&'a ProblemResult>,
}

impl Group<'_> {
    /// The (value, TFLOP/s) points of method `m`, ascending; values it did not measure are
    /// left out.
    pub fn points(&self, m: &Method) -> Vec<(usize, f64)> {
        self.members
            .iter()
            .filter_map(|p| Some((self.varying.of(&p.problem)?, p.tflops_of(m)?)))
            .collect()
    }
}

/// The groups of `problems` varying in `varying`, in the order of their first problem; a
/// problem listed twice counts once (its first listing), and problems of the other operation
/// are in none.
pub fn groups(problems: &[ProblemResult], varying: Varying) -> Vec<Group<'_>> {
    let mut out: Vec<(ProblemSpec, Group)> = Vec::new();
    for p in problems {
        let (Some(key), Some(value)) = (varying.key(&p.problem), varying.of(&p.problem)) else {
            continue;
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => {
                if g.members
                    .iter()
                    .all(|m| varying.of(&m.problem) != Some(value))
                {
                    g.members.push(p);
                }
            }
            None => out.push((key, new_group(p, varying))),
        }
    }
    out.into_iter()
        .map(|(_, mut g)| {
            g.members.sort_by_key(|p| varying.of(&p.problem));
            g
        })
        .filter(|g| g.members.len() > 1)
        .collect()
}

fn new_group(p: &ProblemResult, varying: Varying) -> Group<'_> {
    Group {
        varying,
        label: pattern(&p.problem, varying),
        members: vec![p],
    }
}

/// The problem's text with the varying value replaced by its letter: `2,8,S,64,causal`,
/// `8192,8192,K`.
pub fn pattern(problem: &ProblemSpec, varying: Varying) -> String {
    let text = problem.to_string();
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            if i == varying.index() {
                varying.letter()
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
