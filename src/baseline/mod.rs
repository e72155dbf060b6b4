//! Baselines a candidate is compared with: the unfused fp16 "math" path in-project (cuBLAS +
//! a softmax kernel), PyTorch's fused SDPA kernels (flash, cuDNN) timed by a Python script, and
//! cuDNN's own FP8 SDPA (`cudnn_fp8`, through nvidia-cudnn-frontend, on evotune's FP8 inputs);
//! beside them the protocol's floor (a kernel that only reads the inputs and writes the output).
//! A baseline that cannot be measured is recorded as unavailable with the reason, never a number.

pub mod cudnn_fp8;
pub mod floor;
pub mod math;
mod record;
mod script;
pub mod torch;

pub use record::{tflops, BaselineRecord, BaselineStatus, Validation};
