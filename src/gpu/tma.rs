//! TMA tensor maps for the wgmma kernels: Q, K, V described to the driver with
//! `cuTensorMapEncodeTiled` and passed by value as `__grid_constant__ const CUtensorMap`.

use super::device::cuda;
use crate::error::Result;
use crate::shape::Shape;
use cudarc::driver::sys::{
    cuTensorMapEncodeTiled, CUtensorMap, CUtensorMapDataType, CUtensorMapFloatOOBfill,
    CUtensorMapInterleave, CUtensorMapL2promotion, CUtensorMapSwizzle,
};
use cudarc::driver::DeviceRepr;

/// The driver's opaque 128-byte tensor map, as a kernel parameter (`CUtensorMap` in the kernel:
/// 16 × u64, 64-byte aligned; 128 here, which CUDA 13's header asks for and which keeps 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(128))]
pub struct TensorMap {
    opaque: [u64; 16],
}

// SAFETY: plain bytes, passed by value as the kernel's `const __grid_constant__ CUtensorMap`.
unsafe impl DeviceRepr for TensorMap {}

/// The tile a map loads: `swizzle` bytes of the head dimension (one swizzle chunk) by `rows`
/// rows of the sequence, in one head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TmaBox {
    /// Bytes (e4m3 elements) per row chunk, and the swizzle: 32, 64 or 128.
    pub swizzle: u32,
    /// Sequence rows per box, 1..=256.
    pub rows: u32,
}

impl TmaBox {
    fn swizzle_mode(&self) -> Option<CUtensorMapSwizzle> {
        match self.swizzle {
            32 => Some(CUtensorMapSwizzle::CU_TENSOR_MAP_SWIZZLE_32B),
            64 => Some(CUtensorMapSwizzle::CU_TENSOR_MAP_SWIZZLE_64B),
            128 => Some(CUtensorMapSwizzle::CU_TENSOR_MAP_SWIZZLE_128B),
            _ => None,
        }
    }
}

/// One [heads, rows, D] e4m3 tensor: Q ([B·H, S, D]) or K and V ([B·H_kv, S_kv, D]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Heads (times the batch).
    pub heads: u64,
    /// Sequence rows per head.
    pub rows: u64,
    /// Head dimension (bytes per row).
    pub d: u64,
    /// Bytes between the starts of two rows (D for a packed tensor; at least D, a multiple of
    /// 16: the bytes past D read as out of bounds, zeros).
    pub pitch: u64,
}

impl Geometry {
    /// Q's (and O's) geometry.
    pub fn queries(shape: &Shape) -> Self {
        let heads = (shape.b * shape.h) as u64;
        Geometry {
            heads,
            rows: shape.s as u64,
            d: shape.d as u64,
            pitch: shape.d as u64,
        }
    }

    /// K's and V's geometry.
    pub fn keys(shape: &Shape) -> Self {
        let heads = (shape.b * shape.hk()) as u64;
        Geometry {
            heads,
            rows: shape.skv() as u64,
            d: shape.d as u64,
            pitch: shape.d as u64,
        }
    }
}

/// The geometry as the driver wants it: rank 3, dims (D, rows, heads) innermost first, byte
/// strides of dims 1 and 2.
fn dims_and_strides(g: Geometry) -> ([u64; 3], [u64; 2]) {
    ([g.d, g.rows, g.heads], [g.pitch, g.rows * g.pitch])
}

/// Encodes the map of an e4m3 tensor of `geometry` at device address `ptr`: boxes of `tile`,
/// swizzled, out-of-bounds elements read as zeros.
pub fn encode(ptr: u64, geometry: Geometry, tile: TmaBox) -> Result<TensorMap> {
    let (dims, strides) = dims_and_strides(geometry);
    let swizzle = tile
        .swizzle_mode()
        .ok_or_else(|| crate::error::Error::Cuda {
            call: format!("cuTensorMapEncodeTiled (swizzle {} bytes)", tile.swizzle),
            name: "unsupported swizzle: 32, 64 or 128".into(),
        })?;
    let boxes: [u32; 3] = [tile.swizzle, tile.rows, 1];
    let element_strides: [u32; 3] = [1, 1, 1];
    let mut map = TensorMap { opaque: [0; 16] };
    // SAFETY: `map` is 128 writable bytes, aligned to 128; the arrays hold `rank` (3) entries,
    // strides `rank - 1`; `ptr` is a live device allocation of heads·rows·D bytes (the caller's).
    // The driver only validates and packs these values; nothing is read through `ptr` here.
    unsafe {
        cuTensorMapEncodeTiled(
            &mut map as *mut TensorMap as *mut CUtensorMap,
            CUtensorMapDataType::CU_TENSOR_MAP_DATA_TYPE_UINT8,
            3,
            ptr as *mut std::ffi::c_void,
            dims.as_ptr(),
            strides.as_ptr(),
            boxes.as_ptr(),
            element_strides.as_ptr(),
            CUtensorMapInterleave::CU_TENSOR_MAP_INTERLEAVE_NONE,
            swizzle,
            CUtensorMapL2promotion::CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
            CUtensorMapFloatOOBfill::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE,
        )
    }
    .result()
    .map_err(cuda(format!(
        "cuTensorMapEncodeTiled(dims {dims:?}, strides {strides:?}, box {boxes:?})"
    )))?;
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_map_is_the_drivers_128_bytes() {
        assert_eq!(std::mem::size_of::<TensorMap>(), 128);
        assert_eq!(std::mem::align_of::<TensorMap>() % 64, 0);
        assert_eq!(
            std::mem::size_of::<TensorMap>(),
            std::mem::size_of::<CUtensorMap>()
        );
    }

    #[test]
    fn dims_are_innermost_first_with_byte_strides() {
        let shape = Shape::parse("3,5,777,96").unwrap();
        let q = Geometry::queries(&shape);
        assert_eq!(dims_and_strides(q), ([96, 777, 15], [96, 777 * 96]));
        let gqa = Shape::parse("3,4,100,64,kv_heads=2,kv_len=300").unwrap();
        let kv = Geometry::keys(&gqa);
        assert_eq!(dims_and_strides(kv), ([64, 300, 6], [64, 300 * 64]));
        // Rows 112 bytes apart holding 107: the map's inner dimension stays 107.
        let padded = Geometry {
            heads: 1,
            rows: 10,
            d: 107,
            pitch: 112,
        };
        assert_eq!(dims_and_strides(padded), ([107, 10, 1], [112, 1120]));
    }

    #[test]
    fn only_the_three_swizzles_are_encoded() {
        for (bytes, ok) in [(32, true), (64, true), (128, true), (16, false)] {
            let b = TmaBox {
                swizzle: bytes,
                rows: 64,
            };
            assert_eq!(b.swizzle_mode().is_some(), ok, "{bytes}");
        }
    }
}
