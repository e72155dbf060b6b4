//! Limits a problem shape must respect to be launched at all: the grid's y dimension, the
//! kernels' 32-bit sequence length and the memory of the largest Hopper GPU. A shape is checked
//! against them before anything runs.

use crate::error::{Error, Input, Result};

/// Largest grid y dimension CUDA launches (the kernels run one row of CTAs per head: B·H).
pub const MAX_GRID_Y: u128 = 65_535;

/// Largest sequence length: the kernels take S as a 32-bit `int`.
pub const MAX_SEQ_LEN: u128 = i32::MAX as u128;

/// Bytes per element of Q, K and V (e4m3, one byte each) and O (fp16, two) together.
pub const BYTES_PER_ELEMENT: u128 = 5;

/// Device memory of an H200 (about 140 GiB), the largest of any Hopper GPU: a problem whose
/// Q, K, V and O need more cannot run on any.
pub const MAX_DEVICE_BYTES: u128 = 140 << 30;

/// Fails, naming the shape, when B, H, S, D cannot be launched on any Hopper GPU.
pub fn check(b: usize, h: usize, s: usize, d: usize) -> Result<()> {
    let [b, h, s, d] = [b, h, s, d].map(|v| v as u128);
    let bh = b * h;
    if bh > MAX_GRID_Y {
        return Err(Error::input(
            Input::Shape,
            format!(
                "B·H = {b}·{h} = {bh} is over {MAX_GRID_Y}, the largest grid y dimension (the \
                 kernels launch one row of CTAs per head)"
            ),
        ));
    }
    if s > MAX_SEQ_LEN {
        return Err(Error::input(
            Input::Shape,
            format!("S = {s} is over {MAX_SEQ_LEN} (the kernels take S as a 32-bit int)"),
        ));
    }
    let bytes = bh * s * d * BYTES_PER_ELEMENT;
    if bytes > MAX_DEVICE_BYTES {
        return Err(Error::input(
            Input::Shape,
            format!(
                "{b},{h},{s},{d} needs {:.1} GiB for Q, K, V (e4m3) and O (fp16), more than \
                 the {} GiB of the largest Hopper GPU (H200)",
                bytes as f64 / (1u64 << 30) as f64,
                MAX_DEVICE_BYTES >> 30
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(b: usize, h: usize, s: usize, d: usize) -> String {
        check(b, h, s, d).unwrap_err().to_string()
    }

    /// Regression: B·H over the grid's y limit and tensors larger than any GPU were accepted,
    /// and 4294967296,4294967296,1,64 failed later with evalexpr's "Error multiplying".
    #[test]
    fn shapes_beyond_the_grid_the_int_or_the_memory_are_named() {
        assert!(check(1, 65_535, 512, 64).is_ok());
        let m = message(256, 257, 512, 64);
        assert!(
            m.starts_with("shape B·H = 256·257 = 65792 is over 65535"),
            "{m}"
        );
        let m = message(4_294_967_296, 4_294_967_296, 1, 64);
        assert!(m.contains("is over 65535"), "{m}");
        let m = message(1, 1, 1 << 31, 8);
        assert!(
            m.starts_with("shape S = 2147483648 is over 2147483647"),
            "{m}"
        );
        assert!(check(1, 1, (1 << 31) - 1, 8).is_ok());
        let m = message(64, 64, 1 << 20, 128);
        assert!(
            m.starts_with("shape 64,64,1048576,128 needs 2560.0 GiB"),
            "{m}"
        );
        assert!(m.contains("140 GiB"), "{m}");
    }
}
