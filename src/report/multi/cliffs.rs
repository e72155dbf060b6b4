//! Cliffs: a method's TFLOP/s falling by more than a tenth from one head dim to the next one
//! it measured, within a group of problems that differ only in D.

use super::groups::Group;
use super::model::Method;

/// The fall in TFLOP/s between neighbouring head dims that counts as a cliff (more than 10 %).
pub const CLIFF_DROP: f64 = 0.10;

/// A fall of more than [`CLIFF_DROP`] between neighbouring head dims.
#[derive(Debug, Clone, PartialEq)]
pub struct Cliff {
    /// The group's label, `2,8,512,D`.
    pub group: String,
    /// Whose TFLOP/s fell.
    pub method: Method,
    /// The head dim before the fall.
    pub from_d: usize,
    /// The head dim after it.
    pub to_d: usize,
    /// TFLOP/s at `from_d`.
    pub from_tflops: f64,
    /// TFLOP/s at `to_d`.
    pub to_tflops: f64,
}

impl Cliff {
    /// The fall as a fraction of the TFLOP/s before it.
    pub fn drop(&self) -> f64 {
        1.0 - self.to_tflops / self.from_tflops
    }
}

/// The indices `i` of `points` (ascending x) where y falls by more than [`CLIFF_DROP`] from
/// point `i` to point `i + 1`.
pub fn falls(points: &[(usize, f64)]) -> Vec<usize> {
    points
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1].1 < (1.0 - CLIFF_DROP) * w[0].1)
        .map(|(i, _)| i)
        .collect()
}

/// Every cliff of every method in a group varying in D.
pub fn cliffs(group: &Group, methods: &[Method]) -> Vec<Cliff> {
    let mut out = Vec::new();
    for m in methods {
        let points = group.points(m);
        for i in falls(&points) {
            out.push(Cliff {
                group: group.label.clone(),
                method: m.clone(),
                from_d: points[i].0,
                to_d: points[i + 1].0,
                from_tflops: points[i].1,
                to_tflops: points[i + 1].1,
            });
        }
    }
    out
}
