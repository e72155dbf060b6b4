//! Baselines a candidate is compared with: the unfused fp16 "math" path in-project (cuBLAS +
//! a softmax kernel), PyTorch's fused SDPA kernels (flash, cuDNN) timed by a Python script, and
//! cuDNN's own FP8 SDPA (`cudnn_fp8`, through nvidia-cudnn-frontend, on evotune's FP8 inputs);
//! beside them the protocol's floor (a kernel that only reads the inputs and writes the output).
//! A baseline that cannot be measured is recorded as unavailable with the reason, never a number.
//! Their names and roles are the operation's registry's (`op::sdpa`); their records are run-folder
//! artifacts (`artifacts::BaselineRecord`).

pub mod cudnn_fp8;
pub mod floor;
mod in_project;
pub mod math;
mod script;
pub mod torch;

use crate::op::sdpa::{CUDNN_FP8, FLOOR, MATH};

/// The baselines measured here, in the order `evotune baseline` measures them: in-project first
/// (the math path and the floor, on one CUDA context), then those of the Python scripts
/// (PyTorch's backends, then cuDNN FP8).
pub fn measured() -> Vec<&'static str> {
    [MATH, FLOOR]
        .into_iter()
        .chain(torch::backend_names())
        .chain([CUDNN_FP8])
        .collect()
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
}
