//! Problems that differ in one dimension only: the same B, H, mask, key/value heads and key
//! length at several head dims, or the same problem at several sequence lengths.

use super::model::{Method, ProblemResult};
use crate::shape::Shape;

/// The dimension a group varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varying {
    /// The head dim D.
    HeadDim,
    /// The sequence length S (with it the key length, unless the problem sets its own).
    SeqLen,
}

impl Varying {
    /// The varying value of `shape`.
    pub fn of(self, shape: &Shape) -> usize {
        match self {
            Varying::HeadDim => shape.d,
            Varying::SeqLen => shape.s,
        }
    }

    /// `shape` with the varying value blanked: equal for every member of a group.
    fn key(self, shape: &Shape) -> Shape {
        let mut k = *shape;
        match self {
            Varying::HeadDim => k.d = 0,
            Varying::SeqLen => k.s = 0,
        }
        k
    }

    /// The letter that stands for the value in a group's label.
    pub fn letter(self) -> &'static str {
        match self {
            Varying::HeadDim => "D",
            Varying::SeqLen => "S",
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
            .filter_map(|p| Some((self.varying.of(&p.shape), p.tflops_of(m)?)))
            .collect()
    }
}

/// The groups of `problems` varying in `varying`, in the order of their first problem; a
/// problem listed twice counts once (its first listing).
pub fn groups(problems: &[ProblemResult], varying: Varying) -> Vec<Group<'_>> {
    let mut out: Vec<(Shape, Group)> = Vec::new();
    for p in problems {
        let key = varying.key(&p.shape);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => {
                let value = varying.of(&p.shape);
                if g.members.iter().all(|m| varying.of(&m.shape) != value) {
                    g.members.push(p);
                }
            }
            None => out.push((key, new_group(p, varying))),
        }
    }
    out.into_iter()
        .map(|(_, mut g)| {
            g.members.sort_by_key(|p| varying.of(&p.shape));
            g
        })
        .filter(|g| g.members.len() > 1)
        .collect()
}

fn new_group(p: &ProblemResult, varying: Varying) -> Group<'_> {
    Group {
        varying,
        label: pattern(&p.shape, varying),
        members: vec![p],
    }
}

/// The shape's text with the varying value replaced by its letter: `2,8,S,64,causal`.
pub fn pattern(shape: &Shape, varying: Varying) -> String {
    let text = shape.to_string();
    let index = match varying {
        Varying::HeadDim => 3,
        Varying::SeqLen => 2,
    };
    text.split(',')
        .enumerate()
        .map(|(i, part)| if i == index { varying.letter() } else { part })
        .collect::<Vec<_>>()
        .join(",")
}
