//! Kernel launches through `cuLaunchKernelEx`, which also sets a thread-block cluster's
//! dimensions at launch (CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) when the launch has one.

use crate::eval::Launch;
use cudarc::driver::result::DriverError;
use cudarc::driver::sys::{
    cuLaunchKernelEx, CUlaunchAttribute, CUlaunchAttributeID, CUlaunchAttributeValue,
    CUlaunchAttributeValue_union__bindgen_ty_1 as ClusterDim, CUlaunchConfig,
};
use cudarc::driver::{CudaFunction, CudaStream};
use std::ffi::c_void;

/// The cluster-dimension attribute of `cluster` (x, y, z CTAs).
fn cluster_attribute(cluster: [u32; 3]) -> CUlaunchAttribute {
    let [x, y, z] = cluster;
    CUlaunchAttribute {
        id: CUlaunchAttributeID::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION,
        pad: [0; 4],
        value: CUlaunchAttributeValue {
            clusterDim: ClusterDim { x, y, z },
        },
    }
}

/// Enqueues `function` on `stream` with `launch`'s grid, block, dynamic shared memory and (when
/// it has one) cluster dimensions, and `params`, one pointer to each argument's value in the
/// order of the kernel's parameters. No synchronization.
///
/// # Safety
/// `params` must match the kernel's signature (count, order, sizes), every pointer in it must be
/// valid for the call, and every device buffer it names must outlive the launch (the caller
/// synchronizes before freeing them).
pub unsafe fn launch(
    stream: &CudaStream,
    function: &CudaFunction,
    launch: &Launch,
    params: &mut [*mut c_void],
) -> Result<(), DriverError> {
    stream.context().bind_to_thread()?;
    let mut attribute = cluster_attribute(launch.cluster);
    let config = CUlaunchConfig {
        gridDimX: launch.grid[0],
        gridDimY: launch.grid[1],
        gridDimZ: launch.grid[2],
        blockDimX: launch.block[0],
        blockDimY: launch.block[1],
        blockDimZ: launch.block[2],
        sharedMemBytes: launch.smem_bytes,
        hStream: stream.cu_stream(),
        attrs: &mut attribute,
        numAttrs: u32::from(launch.has_cluster()),
    };
    // SAFETY: `config` and `attribute` live across the call; the caller vouches for `params`.
    unsafe {
        cuLaunchKernelEx(
            &config,
            function.cu_function(),
            params.as_mut_ptr(),
            std::ptr::null_mut(),
        )
    }
    .result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_carries_the_cluster_dimensions() {
        let a = cluster_attribute([2, 1, 1]);
        assert_eq!(
            a.id,
            CUlaunchAttributeID::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION
        );
        // SAFETY: the union was written through this member.
        let dim = unsafe { a.value.clusterDim };
        assert_eq!((dim.x, dim.y, dim.z), (2, 1, 1));
    }
}
