//! Everything that talks to the GPU through the CUDA driver (cudarc).

mod probe;

pub use probe::{detect, DeviceInfo};
