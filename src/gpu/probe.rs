//! Finding the GPU: whether one is present, its name and the limits constraints need.

use crate::error::{Error, Result};
use crate::space::DeviceLimits;
use cudarc::driver::{result, sys};

/// One CUDA device as found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceInfo {
    /// Ordinal.
    pub ordinal: i32,
    /// Marketing name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Its limits (arch uses the `a` target on sm_90, where wgmma needs it).
    pub limits: DeviceLimits,
}

impl DeviceInfo {
    /// "NVIDIA H100 80GB HBM3 (0)".
    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, self.ordinal)
    }
}

/// The device `ordinal`, or a one-line reason why there is none (no driver, no device).
pub fn detect(ordinal: i32) -> Result<DeviceInfo> {
    // SAFETY: probing with dlopen only loads the library.
    if !unsafe { sys::is_culib_present() } {
        return Err(no_gpu(
            "the NVIDIA driver library (libcuda.so) is not installed",
        ));
    }
    result::init().map_err(|e| no_gpu(&format!("cuInit failed: {e:?}")))?;
    let count = result::device::get_count().map_err(|e| no_gpu(&format!("{e:?}")))?;
    if ordinal >= count {
        return Err(no_gpu(&format!(
            "device {ordinal} asked for, {count} present"
        )));
    }
    let dev = result::device::get(ordinal).map_err(|e| Error::Gpu(format!("{e:?}")))?;
    let name = result::device::get_name(dev).map_err(|e| Error::Gpu(format!("{e:?}")))?;
    Ok(DeviceInfo {
        ordinal,
        name,
        limits: limits_of(dev)?,
    })
}

fn no_gpu(why: &str) -> Error {
    Error::Gpu(format!("no NVIDIA GPU available ({why})"))
}

fn limits_of(dev: sys::CUdevice) -> Result<DeviceLimits> {
    use sys::CUdevice_attribute::*;
    let attr = |a| {
        // SAFETY: `dev` is a valid device handle and `a` a device attribute.
        unsafe { result::device::get_attribute(dev, a) }
            .map(i64::from)
            .map_err(|e| Error::Gpu(format!("cuDeviceGetAttribute: {e:?}")))
    };
    let major = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?;
    let minor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?;
    let arch = (major * 10 + minor) as u32;
    Ok(DeviceLimits {
        arch,
        arch_specific: arch == 90,
        max_smem_per_block: attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)?,
        max_threads_per_block: attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK)?,
        max_regs_per_block: attr(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK)?,
        sm_count: attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?,
    })
}
