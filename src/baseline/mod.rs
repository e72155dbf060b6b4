//! Baselines a candidate is compared with: the unfused fp16 "math" path in-project (cuBLAS +
//! a softmax kernel), and PyTorch's fused SDPA kernels (flash, cuDNN) timed by a Python script;
//! beside them the protocol's floor (a kernel that only reads the inputs and writes the output).
//! A baseline that cannot be measured is recorded as unavailable with the reason, never a number.

pub mod floor;
pub mod math;
mod record;
pub mod torch;

pub use record::{tflops, BaselineRecord, BaselineStatus, Validation};
