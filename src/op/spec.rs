//! A problem of any operation, as one value: what a worker request carries (so that one worker
//! serves every operation) and what run folders record. It is written as the operation's own
//! problem, untagged: SDPA's shape `{"b","h","s","d",...}` as before any other operation, a
//! GEMM's `{"m","n","k"}`; the field names tell them apart.

use super::gemm::Gemm;
use super::operation::Operation;
use super::problem::Problem;
use super::registry::Registry;
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
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

    /// Its operation's baselines and comparisons.
    pub fn registry(&self) -> &'static Registry {
        self.operation().registry()
    }

    /// The flag that gives it on the command line: `--shape`, `--gemm`.
    pub fn flag(&self) -> &'static str {
        self.operation().flag()
    }

    /// The flag that gives it on the command line, with its text: `--shape 2,8,512,64`,
    /// `--gemm 128,256,512`.
    pub fn flag_text(&self) -> String {
        format!("{} {self}", self.flag())
    }

    /// The problem with its kind and its dimensions' names, for a reader: "shape 2,8,512,64
    /// (B,H,S,D)", "GEMM 4096,4096,4096 (M,N,K)".
    pub fn labelled(&self) -> String {
        let dims = match self {
            ProblemSpec::Sdpa(_) => "B,H,S,D",
            ProblemSpec::Gemm(_) => "M,N,K",
        };
        format!("{} {self} ({dims})", self.operation().noun())
    }

    /// Floating-point operations of one run.
    pub fn flops(&self) -> f64 {
        match self {
            ProblemSpec::Sdpa(shape) => shape.flops(),
            ProblemSpec::Gemm(gemm) => gemm.flops(),
        }
    }

    /// Bytes any kernel must move at the element sizes of `operands`.
    pub fn compulsory_bytes(&self, operands: super::Operands) -> f64 {
        match self {
            ProblemSpec::Sdpa(shape) => shape.compulsory_bytes(operands),
            ProblemSpec::Gemm(gemm) => gemm.compulsory_bytes(operands),
        }
    }
}

/// Read back by its fields: a shape's `b`, `h`, `s`, `d` (SDPA) or a GEMM's `m`, `n`, `k`; anything
/// else is an error that says which two forms a problem takes.
impl<'de> Deserialize<'de> for ProblemSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let is = |key: &str| value.get(key).is_some();
        let spec = if is("m") || is("n") || is("k") {
            serde_json::from_value(value).map(ProblemSpec::Gemm)
        } else {
            serde_json::from_value(value).map(ProblemSpec::Sdpa)
        };
        spec.map_err(|e| {
            serde::de::Error::custom(format!(
                "a problem is an SDPA shape {{\"b\",\"h\",\"s\",\"d\", ...}} or a GEMM \
                 {{\"m\",\"n\",\"k\"}}: {e}"
            ))
        })
    }
}

impl From<Shape> for ProblemSpec {
    fn from(shape: Shape) -> Self {
        ProblemSpec::Sdpa(shape)
    }
}

impl From<&Shape> for ProblemSpec {
    fn from(shape: &Shape) -> Self {
        ProblemSpec::Sdpa(*shape)
    }
}

impl From<&Gemm> for ProblemSpec {
    fn from(gemm: &Gemm) -> Self {
        ProblemSpec::Gemm(*gemm)
    }
}

impl From<Gemm> for ProblemSpec {
    fn from(gemm: Gemm) -> Self {
        ProblemSpec::Gemm(gemm)
    }
}

/// The SDPA problem a spec holds; another operation's is given back.
impl TryFrom<ProblemSpec> for Shape {
    type Error = ProblemSpec;

    fn try_from(spec: ProblemSpec) -> Result<Self, ProblemSpec> {
        spec.sdpa().copied().ok_or(spec)
    }
}

/// The GEMM problem a spec holds; another operation's is given back.
impl TryFrom<ProblemSpec> for Gemm {
    type Error = ProblemSpec;

    fn try_from(spec: ProblemSpec) -> Result<Self, ProblemSpec> {
        spec.gemm().copied().ok_or(spec)
    }
}

/// The problem as its flag takes it: `2,8,512,64,causal`, `128,256,512` (what run folders,
/// reports and messages have always shown of SDPA's shape).
impl fmt::Display for ProblemSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemSpec::Sdpa(shape) => shape.fmt(f),
            ProblemSpec::Gemm(gemm) => gemm.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_read_back_as_its_own_operations() {
        let sdpa = ProblemSpec::from(Shape::parse("2,8,512,64,causal").unwrap());
        let gemm = ProblemSpec::from("128,256,512".parse::<Gemm>().unwrap());
        for (spec, op) in [(sdpa, Operation::Sdpa), (gemm, Operation::Gemm)] {
            assert_eq!(spec.operation(), op);
            let json = serde_json::to_value(spec).unwrap();
            assert_eq!(serde_json::from_value::<ProblemSpec>(json).unwrap(), spec);
        }
        assert_eq!(sdpa.to_string(), "2,8,512,64,causal");
        assert_eq!(gemm.to_string(), "128,256,512");
        assert_eq!(sdpa.flag_text(), "--shape 2,8,512,64,causal");
        assert_eq!(gemm.flag_text(), "--gemm 128,256,512");
        assert_eq!(gemm.flops(), 2.0 * 128.0 * 256.0 * 512.0);
        assert_eq!(gemm.registry().operation, "GEMM");
        assert_eq!(sdpa.gemm(), None);
        assert_eq!(gemm.gemm().map(|g| g.k), Some(512));
        assert_eq!(sdpa.sdpa().map(|s| s.s), Some(512));
    }

    /// SDPA's problem is written as the shape always was (run folders from before GEMM read
    /// the same), a GEMM's as its three dimensions.
    #[test]
    fn each_problem_serializes_as_its_own_type_does() {
        let shape = Shape::parse("2,8,512,64").unwrap();
        let json = serde_json::to_value(ProblemSpec::Sdpa(shape)).unwrap();
        assert_eq!(json, serde_json::to_value(shape).unwrap());
        let gemm: Gemm = "1,64,16".parse().unwrap();
        let json = serde_json::to_string(&ProblemSpec::Gemm(gemm)).unwrap();
        assert_eq!(json, r#"{"m":1,"n":64,"k":16}"#);
    }

    #[test]
    fn a_problem_of_neither_form_is_an_error_naming_both() {
        for bad in [r#"{"b":2,"h":8}"#, r#"{"m":1,"n":2}"#, r#"{"x":1}"#, "3"] {
            let e = serde_json::from_str::<ProblemSpec>(bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("SDPA shape") && e.contains("GEMM"), "{bad}: {e}");
        }
    }
}
