//! Everything that talks to the GPU through the CUDA driver (cudarc): the device and its
//! buffers, fresh inputs, the SDPA and GEMM launches by their kernel contracts, the references,
//! the timing protocol, and the evaluator a worker process serves with.

pub mod clocks;
mod compare;
pub mod cublaslt;
mod device;
pub mod dump;
mod environment;
mod evaluate;
pub mod gemm;
mod gemm_dump;
pub mod gemm_inputs;
mod gemm_op;
pub mod gemm_reference;
pub mod inputs;
pub mod kernels;
mod laps;
mod launch_ex;
pub mod npy;
mod operation;
mod probe;
pub mod reference;
pub mod sdpa;
mod sdpa_op;
pub mod timing;
pub mod tma;

pub use device::{cuda, error_name, Gpu, Kernel, DEFAULT_DYNAMIC_SMEM_LIMIT};
pub use environment::environment;
pub use evaluate::GpuBackend;
pub use gemm_inputs::GemmInputs;
pub use gemm_op::GemmOp;
pub use inputs::{QuantizedTensor, SdpaInputs};
pub use operation::GpuOperation;
pub use probe::{detect, DeviceInfo};
pub use reference::{ReferenceEngine, ReferencePath};
pub use sdpa_op::Sdpa;
pub use timing::{measure, L2Flush, Measurement};
