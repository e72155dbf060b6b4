//! The one place that calls NVRTC (through cudarc): source in, cubin and log out.

use crate::error::{Error, Result};
use cudarc::nvrtc::{result, sys};
use std::ffi::{c_char, CString};

/// What one NVRTC invocation produced.
pub struct NvrtcOutput {
    /// The cubin (machine code), present when compilation succeeded.
    pub cubin: Option<Vec<u8>>,
    /// NVRTC's program log, including the ptxas report when `-v` was passed.
    pub log: String,
}

/// Whether libnvrtc can be loaded; a missing library is a setup error, not a compile failure.
pub fn ensure_available() -> Result<()> {
    // SAFETY: probing with dlopen has no side effect beyond loading the library.
    if unsafe { sys::is_culib_present() } {
        return Ok(());
    }
    Err(Error::Nvrtc(
        "cannot load libnvrtc (CUDA 13). Install the CUDA toolkit, or \
         `python3 -m pip install nvidia-cuda-nvrtc==13.0.*` and add its nvidia/cu13/lib folder \
         to LD_LIBRARY_PATH"
            .into(),
    ))
}

/// NVRTC's version as `major.minor`.
pub fn version() -> Result<String> {
    ensure_available()?;
    let (mut major, mut minor) = (0, 0);
    // SAFETY: nvrtcVersion writes two ints through valid pointers.
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }
        .result()
        .map_err(|e| Error::Nvrtc(format!("nvrtcVersion: {e:?}")))?;
    Ok(format!("{major}.{minor}"))
}

/// Compiles `source` (named `name` in diagnostics) with `options`.
///
/// A compilation error is reported in the output (no cubin, the log says why); only a failure
/// to run NVRTC at all is an `Err`.
pub fn compile(name: &str, source: &str, options: &[String]) -> Result<NvrtcOutput> {
    ensure_available()?;
    let src = CString::new(source).map_err(|_| Error::Nvrtc(format!("{name}: NUL in source")))?;
    let cname = CString::new(name).map_err(|_| Error::Nvrtc(format!("{name}: NUL in name")))?;
    let prog = result::create_program(&src, Some(&cname))
        .map_err(|e| Error::Nvrtc(format!("{name}: nvrtcCreateProgram: {e:?}")))?;
    // SAFETY: `prog` was just created and is destroyed exactly once below.
    let compiled = unsafe { result::compile_program(prog, options) };
    // SAFETY: as above; the log exists whether or not compilation succeeded.
    let log = unsafe { result::get_program_log(prog) }
        .map(|raw| c_chars_to_string(&raw))
        .unwrap_or_default();
    let cubin = match compiled {
        // SAFETY: the program compiled; `prog` is alive.
        Ok(()) => Some(unsafe { get_cubin(prog) }?),
        Err(_) => None,
    };
    // SAFETY: created above, not destroyed before.
    let _ = unsafe { result::destroy_program(prog) };
    Ok(NvrtcOutput { cubin, log })
}

/// # Safety
/// `prog` must be a live, successfully compiled program for a real `sm_` target.
unsafe fn get_cubin(prog: sys::nvrtcProgram) -> Result<Vec<u8>> {
    let mut size = 0usize;
    sys::nvrtcGetCUBINSize(prog, &mut size)
        .result()
        .map_err(|e| Error::Nvrtc(format!("nvrtcGetCUBINSize: {e:?}")))?;
    let mut cubin = vec![0u8; size];
    sys::nvrtcGetCUBIN(prog, cubin.as_mut_ptr() as *mut c_char)
        .result()
        .map_err(|e| Error::Nvrtc(format!("nvrtcGetCUBIN: {e:?}")))?;
    Ok(cubin)
}

fn c_chars_to_string(raw: &[c_char]) -> String {
    let bytes: Vec<u8> = raw
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
