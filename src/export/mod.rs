//! `evotune export`: the tuning database's best kernels as files a program can call without
//! evotune: each fresh best row re-rendered from its space and config at its problem and
//! compiled with NVRTC (`kernels/<id>.cu`, `.cubin`), a dispatch table (`dispatch.json`, and
//! `dispatch.h` for C and C++) with each kernel's launch geometry, argument style, what else it
//! can run and its time, and a pure-Python package (`python/evotune_kernels`) that launches
//! them on PyTorch tensors through NVIDIA's cuda-python driver bindings, with a GPU check
//! (`python/check.py`) against PyTorch's own SDPA.

mod files;
mod header;
mod rule;
mod table;

pub use files::{write_all, KernelFiles, Staging};
pub use rule::{d_pad, probes, widest_load, Accepts, Tuned};
pub use table::{
    kernel_id, prepare, DispatchTable, Entry, Prepared, ProblemSpec, Spaces, TmaBoxes, Tolerance,
    ARGUMENTS, FORMAT, VERSION,
};

#[cfg(test)]
mod tests;
