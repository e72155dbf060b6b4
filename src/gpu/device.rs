//! The GPU as evotune drives it: one context, one stream, typed buffers, kernels from cubins,
//! and every CUDA failure turned into an error naming the call and the CUDA error.

use super::probe::{detect, DeviceInfo};
use crate::error::{Error, Result};
use cudarc::driver::result::DriverError;
use cudarc::driver::sys::{CUdevice_attribute, CUfunction_attribute};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DevicePtrMut, DeviceRepr,
    PinnedHostSlice, ValidAsZeroBits,
};
use std::sync::Arc;

/// Dynamic shared memory a kernel may use without opting in, bytes.
pub const DEFAULT_DYNAMIC_SMEM_LIMIT: u32 = 48 * 1024;

/// An open GPU: its context and the one stream all of evotune's work goes to.
pub struct Gpu {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    info: DeviceInfo,
    l2_bytes: usize,
    pci_bus_id: String,
}

/// A kernel loaded from a cubin, ready to launch.
pub struct Kernel {
    /// The entry point's name.
    pub name: String,
    func: CudaFunction,
    _module: Arc<CudaModule>,
}

impl Kernel {
    /// The loaded function, for launch builders.
    pub fn function(&self) -> &CudaFunction {
        &self.func
    }
}

/// The CUDA error's name, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`.
pub fn error_name(e: DriverError) -> String {
    format!("{:?}", e.0)
}

/// Maps a driver error to [`Error::Cuda`] naming `call`.
pub fn cuda(call: impl Into<String>) -> impl FnOnce(DriverError) -> Error {
    let call = call.into();
    move |e| Error::Cuda {
        call,
        name: error_name(e),
    }
}

impl Gpu {
    /// Opens GPU `ordinal`; without a GPU the error says "no NVIDIA GPU available (why)".
    pub fn open(ordinal: u32) -> Result<Gpu> {
        let info = detect(ordinal as i32)?;
        let ctx = CudaContext::new(ordinal as usize).map_err(cuda("cuDevicePrimaryCtxRetain"))?;
        // SAFETY: every buffer, copy and launch of evotune goes to the one stream below, so the
        // cross-stream event tracking is not needed (it would also record events into graph
        // captures). It is switched off before any buffer exists.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.new_stream().map_err(cuda("cuStreamCreate"))?;
        let attr = |a: CUdevice_attribute| {
            ctx.attribute(a)
                .map_err(cuda(format!("cuDeviceGetAttribute({a:?})")))
        };
        let l2_bytes = attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE)? as usize;
        let pci_bus_id = format!(
            "{:08X}:{:02X}:{:02X}.0",
            attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID)?,
            attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_PCI_BUS_ID)?,
            attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID)?
        );
        Ok(Gpu {
            ctx,
            stream,
            info,
            l2_bytes,
            pci_bus_id,
        })
    }

    /// What was found: ordinal, name, limits.
    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    /// "NVIDIA H100 80GB HBM3 (0)".
    pub fn describe(&self) -> String {
        self.info.describe()
    }

    /// The stream all work goes to.
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }

    /// The context.
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.ctx
    }

    /// L2 cache size, bytes.
    pub fn l2_bytes(&self) -> usize {
        self.l2_bytes
    }

    /// PCI bus id as nvidia-smi's `-i` accepts it, e.g. "00000000:1B:00.0".
    pub fn pci_bus_id(&self) -> &str {
        &self.pci_bus_id
    }

    /// Free and total device memory, bytes.
    pub fn memory(&self) -> Result<(usize, usize)> {
        self.ctx.mem_get_info().map_err(cuda("cuMemGetInfo"))
    }

    /// Waits for all work on the stream; a kernel's fault surfaces here.
    pub fn synchronize(&self, after: &str) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(cuda(format!("cuStreamSynchronize after {after}")))
    }

    /// Copies `data` into a new device buffer.
    pub fn upload<T: DeviceRepr>(&self, data: &[T], what: &str) -> Result<CudaSlice<T>> {
        self.stream
            .clone_htod(data)
            .map_err(cuda(format!("upload of {what}")))
    }

    /// A new zero-filled device buffer of `len` elements.
    pub fn zeros<T: DeviceRepr + ValidAsZeroBits>(
        &self,
        len: usize,
        what: &str,
    ) -> Result<CudaSlice<T>> {
        self.stream
            .alloc_zeros(len)
            .map_err(cuda(format!("allocation of {what}")))
    }

    /// Copies a device buffer back (waits for the stream first).
    pub fn download<T: DeviceRepr>(&self, buf: &CudaSlice<T>, what: &str) -> Result<Vec<T>> {
        self.stream
            .clone_dtoh(buf)
            .map_err(cuda(format!("download of {what}")))
    }

    /// A copy of a device buffer, on the device.
    pub fn copy<T: DeviceRepr>(&self, buf: &CudaSlice<T>, what: &str) -> Result<CudaSlice<T>> {
        self.stream
            .clone_dtod(buf)
            .map_err(cuda(format!("device copy of {what}")))
    }

    /// `len` elements of page-locked host memory, zeroed: read-backs into it go at the bus's
    /// speed, skipping the driver's staging copy and the page faults of fresh memory.
    pub fn pinned_zeros<T>(&self, len: usize, what: &str) -> Result<PinnedHostSlice<T>>
    where
        T: DeviceRepr + ValidAsZeroBits + Default + Copy,
    {
        // SAFETY: the memory is filled with zeros below before anything reads it. Flags 0, not
        // cudarc's default write-combined memory, which the host reads very slowly.
        let mut host = unsafe { self.ctx.alloc_pinned_with_flags::<T>(len, 0) }
            .map_err(cuda(format!("cuMemHostAlloc for {what}")))?;
        host.as_mut_slice()
            .map_err(cuda(format!("the pinned buffer for {what}")))?
            .fill(T::default());
        Ok(host)
    }

    /// Copies a device buffer into page-locked host memory of the same length and waits for
    /// the copy to finish.
    pub fn download_pinned<'h, T>(
        &self,
        buf: &CudaSlice<T>,
        host: &'h mut PinnedHostSlice<T>,
        what: &str,
    ) -> Result<&'h [T]>
    where
        T: DeviceRepr + ValidAsZeroBits,
    {
        if host.len() != buf.len() {
            return Err(Error::Gpu(format!(
                "download of {what}: {} host elements for {} on the device",
                host.len(),
                buf.len()
            )));
        }
        self.stream
            .memcpy_dtoh(buf, host)
            .map_err(cuda(format!("download of {what}")))?;
        // The copy is asynchronous and, with cudarc's event tracking off (see `open`), the
        // pinned slice's own wait is a no-op: wait for the stream itself.
        self.synchronize(&format!("the download of {what}"))?;
        host.as_slice()
            .map_err(cuda(format!("the downloaded {what}")))
    }

    /// Fills a 16-bit buffer with `pattern` (cuMemsetD16Async), e.g. the output poison.
    pub fn fill_u16(&self, buf: &mut CudaSlice<u16>, pattern: u16) -> Result<()> {
        let len = buf.len();
        let stream = self.stream.cu_stream();
        let (ptr, _record) = buf.device_ptr_mut(&self.stream);
        // SAFETY: `ptr` addresses `len` u16 elements owned by `buf`, alive for this call, and
        // the memset is ordered on the stream that owns the buffer.
        unsafe { cudarc::driver::sys::cuMemsetD16Async(ptr, pattern, len, stream) }
            .result()
            .map_err(cuda("cuMemsetD16Async"))
    }

    /// Loads the entry point `name` of a cubin and opts it into `smem_bytes` of dynamic shared
    /// memory when that is over the default 48 KB.
    pub fn load_kernel(&self, cubin: Vec<u8>, name: &str, smem_bytes: u32) -> Result<Kernel> {
        let module = self
            .ctx
            .load_module(cudarc::nvrtc::Ptx::from_binary(cubin))
            .map_err(cuda("cuModuleLoadData"))?;
        let func = module
            .load_function(name)
            .map_err(cuda(format!("cuModuleGetFunction({name})")))?;
        if smem_bytes > DEFAULT_DYNAMIC_SMEM_LIMIT {
            self.ctx.bind_to_thread().map_err(cuda("cuCtxSetCurrent"))?;
            func.set_attribute(
                CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                smem_bytes as i32,
            )
            .map_err(cuda(format!(
                "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES = {smem_bytes})"
            )))?;
        }
        Ok(Kernel {
            name: name.to_string(),
            func,
            _module: module,
        })
    }
}
