//! The operations a search space may be written for, by the name its file gives them
//! (`operation = "gemm"`; a file that names none is SDPA's, as every space was before GEMM).

use super::{Problem, Registry};

/// An operation evotune has kernels, references and a problem type for; written (in
/// `sweep.json`) by the name a space file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Scaled-dot-product attention; its problem is [`crate::shape::Shape`].
    Sdpa,
    /// A matrix product; its problem is [`super::gemm::Gemm`].
    Gemm,
}

impl Operation {
    /// Every operation, in the order messages list them.
    pub const ALL: [Operation; 2] = [Operation::Sdpa, Operation::Gemm];

    /// The name a space file gives it.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Sdpa => "sdpa",
            Operation::Gemm => "gemm",
        }
    }

    /// The operation a space file names, if there is one by that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Its baselines and the comparisons the report and the gate make with them.
    pub fn registry(self) -> &'static Registry {
        match self {
            Operation::Sdpa => &super::sdpa::BASELINES,
            Operation::Gemm => &super::gemm::BASELINES,
        }
    }

    /// The command-line flag that gives its problem.
    pub const fn flag(self) -> &'static str {
        match self {
            Operation::Sdpa => "--shape",
            Operation::Gemm => "--gemm",
        }
    }

    /// What messages call its problem, before its value: "shape 2,8,512,64", "GEMM 128,256,512".
    pub const fn noun(self) -> &'static str {
        match self {
            Operation::Sdpa => "shape",
            Operation::Gemm => "GEMM",
        }
    }

    /// The names of its problem's variables, which its spaces may read without declaring them.
    pub fn variable_names(self) -> &'static [&'static str] {
        match self {
            Operation::Sdpa => <crate::shape::Shape as Problem>::VARIABLE_NAMES,
            Operation::Gemm => <super::gemm::Gemm as Problem>::VARIABLE_NAMES,
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_found_by_its_name_and_only_by_it() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("conv"), None);
        assert!(Operation::Gemm.variable_names().contains(&"K"));
        assert!(!Operation::Gemm.variable_names().contains(&"D"));
    }
}
