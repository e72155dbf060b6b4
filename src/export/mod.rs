//! `evotune export`: the tuning database's best kernels as files a program can call without
//! evotune: each fresh best row, attention or GEMM, re-rendered from its space and config at its
//! problem and compiled with NVRTC (`kernels/<id>.cu`, `.cubin`), a dispatch table
//! (`dispatch.json`, and `dispatch.h` for C and C++) with each kernel's launch geometry,
//! argument style, what else it can run and its time, and a pure-Python package
//! (`python/evotune_kernels`) that launches them on PyTorch tensors through NVIDIA's
//! cuda-python driver bindings, with a GPU check (`python/check.py`) against PyTorch's own SDPA
//! and matmul.

mod common;
mod files;
mod gemm;
mod gemm_rule;
mod header;
mod rule;
mod table;

pub use common::Spaces;
pub use files::{write_all, KernelFiles, Staging};
pub use gemm::{gemm_id, prepare_gemm, GemmBoxes, GemmEntry, GemmTable, GEMM_ARGUMENTS};
pub use gemm_rule::{probes as gemm_probes, GemmRule, TunedGemm};
pub use rule::{d_pad, probes, widest_load, Accepts, Tuned};
pub use table::{
    kernel_id, prepare, prepare_attention, DispatchTable, Entry, Exported, Prepared, PreparedRow,
    ProblemSpec, TmaBoxes, Tolerance, ARGUMENTS, FORMAT, VERSION,
};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod gemm_tests;
