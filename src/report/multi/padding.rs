//! The padding comparison: D = 107 run as it is against the same problem padded to D = 112 or
//! 128 (zeros in the extra columns give the same attention), each method's time and its
//! effective TFLOP/s, which count D = 107's flops over the padded problem's time.

use super::model::{Method, ProblemResult};
use crate::op::Problem;
use crate::shape::Shape;

/// The head dim that is compared with its padded versions.
pub const UNPADDED_D: usize = 107;
/// The head dims it may be padded to.
pub const PADDED_D: [usize; 2] = [112, 128];

/// A problem at D = 107 and the same problem at the padded head dims the report holds.
#[derive(Debug, Clone)]
pub struct Trio<'a> {
    /// The problem at D = 107.
    pub unpadded: &'a ProblemResult,
    /// The same problem at 112 and/or 128, ascending.
    pub padded: Vec<&'a ProblemResult>,
}

/// One method across a trio: its time (µs) at D = 107 and at each padded head dim.
#[derive(Debug, Clone, PartialEq)]
pub struct PadRow {
    /// The method.
    pub method: Method,
    /// Kernel-only median at D = 107, µs.
    pub unpadded_us: Option<f64>,
    /// Kernel-only medians at the trio's padded head dims (in its order), µs.
    pub padded_us: Vec<Option<f64>>,
}

/// Every problem at D = 107 that has a padded twin (everything else equal).
pub fn trios(problems: &[ProblemResult]) -> Vec<Trio<'_>> {
    problems
        .iter()
        .filter_map(|p| Some((p, p.shape().filter(|s| s.d == UNPADDED_D)?)))
        .filter_map(|(p, shape)| {
            let padded: Vec<&ProblemResult> = PADDED_D
                .iter()
                .filter_map(|&d| {
                    let twin = with_d(shape, d);
                    problems.iter().find(|q| q.shape() == Some(&twin))
                })
                .collect();
            (!padded.is_empty()).then_some(Trio {
                unpadded: p,
                padded,
            })
        })
        .collect()
}

fn with_d(shape: &Shape, d: usize) -> Shape {
    Shape { d, ..*shape }
}

/// The rows of a trio: one per method measured at any of its head dims.
pub fn rows(trio: &Trio, methods: &[Method]) -> Vec<PadRow> {
    let time = |p: &ProblemResult, m: &Method| p.time_of(m).map(|t| t.p50_us);
    methods
        .iter()
        .map(|m| PadRow {
            method: m.clone(),
            unpadded_us: time(trio.unpadded, m),
            padded_us: trio.padded.iter().map(|p| time(p, m)).collect(),
        })
        .filter(|r| r.unpadded_us.is_some() || r.padded_us.iter().any(Option::is_some))
        .collect()
}

/// TFLOP/s of `unpadded`'s problem done in `us` (the padded run's time counts only the flops
/// the unpadded problem needs).
pub fn effective_tflops(unpadded: &Shape, us: f64) -> f64 {
    unpadded.flops() / us / 1e6
}
