//! Baselines a candidate is compared with. SDPA's: the unfused fp16 "math" path in-project
//! (cuBLAS + a softmax kernel), PyTorch's fused SDPA kernels (flash, cuDNN) timed by a Python
//! script, and cuDNN's own FP8 SDPA (`cudnn_fp8`, through nvidia-cudnn-frontend, on evotune's FP8
//! inputs); beside them the protocol's floor (a kernel that only reads the inputs and writes the
//! output). The GEMM's (`gemm`): cuBLASLt's FP8 matmul, cuBLAS's fp16 matmul, PyTorch's
//! `_scaled_mm` and its floor. A baseline that cannot be measured is recorded as unavailable with
//! the reason, never a number. Their names and roles are the operation's registry's (`op::sdpa`,
//! `op::gemm`); their records are run-folder artifacts (`artifacts::BaselineRecord`).

pub mod cudnn_fp8;
pub mod floor;
pub mod gemm;
mod in_project;
pub mod math;
mod script;
pub mod torch;

use crate::op::sdpa::{CUDNN_FP8, FLOOR, MATH};
use crate::op::Operation;

/// SDPA's baselines measured here, in the order `evotune baseline` measures them: in-project
/// first (the math path and the floor, on one CUDA context), then those of the Python scripts
/// (PyTorch's backends, then cuDNN FP8).
pub fn measured() -> Vec<&'static str> {
    [MATH, FLOOR]
        .into_iter()
        .chain(torch::backend_names())
        .chain([CUDNN_FP8])
        .collect()
}

/// The baselines of `op` measured here, in the order `evotune baseline` measures them.
pub fn measured_for(op: Operation) -> Vec<&'static str> {
    match op {
        Operation::Sdpa => measured(),
        Operation::Gemm => gemm::measured(),
    }
}

/// Every name `evotune baseline --only` may take: SDPA's baselines, then the GEMM's not among
/// them.
pub fn every_name() -> Vec<&'static str> {
    let mut names = measured();
    for name in gemm::measured() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use crate::op::REGISTRY;

    #[test]
    fn every_registered_baseline_is_measured_once() {
        let mut measured = super::measured();
        measured.sort_unstable();
        let mut registered: Vec<&str> = REGISTRY.names().collect();
        registered.sort_unstable();
        assert_eq!(measured, registered);
    }

    #[test]
    fn every_operation_measures_its_own_registry() {
        for op in crate::op::Operation::ALL {
            let mut measured = super::measured_for(op);
            measured.sort_unstable();
            let mut registered: Vec<&str> = op.registry().names().collect();
            registered.sort_unstable();
            assert_eq!(measured, registered, "{op}");
        }
        let names = super::every_name();
        assert!(names.contains(&"torch_math") && names.contains(&"cublaslt_fp8"));
        assert_eq!(names.iter().filter(|&&n| n == "floor").count(), 1);
    }
}
