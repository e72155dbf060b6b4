//! The machine a run measures on, for its manifest: GPU, driver, CUDA, clocks (read, never set).

use crate::artifacts::Environment;
use std::process::Command;

/// What nvidia-smi and the driver say about GPU `ordinal`; fields it cannot learn stay empty.
pub fn environment(ordinal: u32, nvrtc: Option<String>) -> Environment {
    let mut env = Environment {
        nvrtc,
        host: host_name(),
        cuda: cuda_version(),
        ..Environment::default()
    };
    let out = Command::new("nvidia-smi")
        .args([
            "--query-gpu=name,driver_version,clocks.sm,clocks.mem",
            "--format=csv,noheader,nounits",
            "-i",
            &ordinal.to_string(),
        ])
        .output();
    if let Some(o) = out.ok().filter(|o| o.status.success()) {
        let text = String::from_utf8_lossy(&o.stdout);
        let f: Vec<&str> = text
            .lines()
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .collect();
        env.gpu = f.first().filter(|s| !s.is_empty()).map(|s| s.to_string());
        env.driver = f.get(1).filter(|s| !s.is_empty()).map(|s| s.to_string());
        env.sm_clock_mhz = f.get(2).and_then(|s| s.parse().ok());
        env.mem_clock_mhz = f.get(3).and_then(|s| s.parse().ok());
    }
    env
}

/// The CUDA version the driver supports, e.g. "13.0".
fn cuda_version() -> Option<String> {
    // SAFETY: probing with dlopen only loads the library.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return None;
    }
    let mut v: std::ffi::c_int = 0;
    // SAFETY: cuDriverGetVersion writes one int and needs no initialized context.
    let r = unsafe { cudarc::driver::sys::cuDriverGetVersion(&mut v) };
    (r == cudarc::driver::sys::CUresult::CUDA_SUCCESS)
        .then(|| format!("{}.{}", v / 1000, v % 1000 / 10))
}

fn host_name() -> Option<String> {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
