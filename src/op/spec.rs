//! A problem of any operation, as one value: what a worker request carries, so that one worker
//! serves every operation.

use super::gemm::Gemm;
use super::operation::Operation;
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem of one operation, tagged by the operation's name (`{"sdpa": {...}}`,
/// `{"gemm": {...}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemSpec {
    /// Scaled-dot-product attention.
    Sdpa(Shape),
    /// A matrix product.
    Gemm(Gemm),
}

impl ProblemSpec {
    /// The operation it is a problem of.
    pub fn operation(&self) -> Operation {
        match self {
            ProblemSpec::Sdpa(_) => Operation::Sdpa,
            ProblemSpec::Gemm(_) => Operation::Gemm,
        }
    }

    /// The SDPA problem, if it is one.
    pub fn sdpa(&self) -> Option<&Shape> {
        match self {
            ProblemSpec::Sdpa(shape) => Some(shape),
            ProblemSpec::Gemm(_) => None,
        }
    }

    /// The GEMM problem, if it is one.
    pub fn gemm(&self) -> Option<&Gemm> {
        match self {
            ProblemSpec::Gemm(gemm) => Some(gemm),
            ProblemSpec::Sdpa(_) => None,
        }
    }
}

impl From<Shape> for ProblemSpec {
    fn from(shape: Shape) -> Self {
        ProblemSpec::Sdpa(shape)
    }
}

impl From<Gemm> for ProblemSpec {
    fn from(gemm: Gemm) -> Self {
        ProblemSpec::Gemm(gemm)
    }
}

/// The operation's name and the problem: `sdpa 2,8,512,64`, `gemm 128,256,512`.
impl fmt::Display for ProblemSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemSpec::Sdpa(shape) => write!(f, "{} {shape}", self.operation()),
            ProblemSpec::Gemm(gemm) => write!(f, "{} {gemm}", self.operation()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_tagged_by_its_operations_name() {
        let sdpa = ProblemSpec::from(Shape::parse("2,8,512,64,causal").unwrap());
        let gemm = ProblemSpec::from("128,256,512".parse::<Gemm>().unwrap());
        for (spec, op) in [(sdpa, Operation::Sdpa), (gemm, Operation::Gemm)] {
            assert_eq!(spec.operation(), op);
            let json = serde_json::to_value(spec).unwrap();
            assert!(json.get(op.name()).is_some(), "{json}");
            assert_eq!(serde_json::from_value::<ProblemSpec>(json).unwrap(), spec);
        }
        assert_eq!(sdpa.to_string(), "sdpa 2,8,512,64,causal");
        assert_eq!(gemm.to_string(), "gemm 128,256,512");
        assert_eq!(sdpa.gemm(), None);
        assert_eq!(gemm.gemm().map(|g| g.k), Some(512));
        assert_eq!(sdpa.sdpa().map(|s| s.s), Some(512));
    }

    /// SDPA's problem keeps its own form inside the tag: a plain shape with no mask fields.
    #[test]
    fn the_sdpa_problem_serializes_as_the_shape_does() {
        let shape = Shape::parse("2,8,512,64").unwrap();
        let json = serde_json::to_value(ProblemSpec::Sdpa(shape)).unwrap();
        assert_eq!(json["sdpa"], serde_json::to_value(shape).unwrap());
    }
}
