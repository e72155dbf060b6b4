//! NVRTC compilation.
