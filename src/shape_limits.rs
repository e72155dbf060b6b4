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

/// The dimensions [`check`] looks at: B, H, S, D, the key/value heads and the keys per sequence.
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    /// Batch.
    pub b: usize,
    /// Query heads.
    pub h: usize,
    /// Query rows per sequence.
    pub s: usize,
    /// Head dim.
    pub d: usize,
    /// Key/value heads.
    pub hk: usize,
    /// Keys per sequence.
    pub skv: usize,
}

/// Fails, naming the dimension at fault, when the problem cannot be launched on any Hopper GPU.
pub fn check(p: Dims) -> Result<()> {
    let [b, h, s, d, hk, skv] = [p.b, p.h, p.s, p.d, p.hk, p.skv].map(|v| v as u128);
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
    for (name, len, input) in [("S", s, Input::Shape), ("kv_len", skv, Input::KvLen)] {
        if len > MAX_SEQ_LEN {
            return Err(Error::input(
                input,
                format!(
                    "{name} = {len} is over {MAX_SEQ_LEN} (the kernels take it as a 32-bit int)"
                ),
            ));
        }
    }
    // Q (e4m3) and O (fp16) over the query rows, K and V (e4m3) over the keys.
    let bytes = b * h * s * d * 3 + b * hk * skv * d * 2;
    if bytes > MAX_DEVICE_BYTES {
        return Err(Error::input(
            Input::Shape,
            format!(
                "{} needs {:.1} GiB for Q, K, V (e4m3) and O (fp16), more than the {} GiB of the \
                 largest Hopper GPU (H200)",
                text(p),
                bytes as f64 / (1u64 << 30) as f64,
                MAX_DEVICE_BYTES >> 30
            ),
        ));
    }
    Ok(())
}

/// `B,H,S,D`, with `,kv_heads=N` and `,kv_len=N` where they differ from H and S.
fn text(p: Dims) -> String {
    let mut t = format!("{},{},{},{}", p.b, p.h, p.s, p.d);
    if p.hk != p.h {
        t.push_str(&format!(",kv_heads={}", p.hk));
    }
    if p.skv != p.s {
        t.push_str(&format!(",kv_len={}", p.skv));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(b: usize, h: usize, s: usize, d: usize) -> Dims {
        Dims {
            b,
            h,
            s,
            d,
            hk: h,
            skv: s,
        }
    }

    fn message(b: usize, h: usize, s: usize, d: usize) -> String {
        check(dims(b, h, s, d)).unwrap_err().to_string()
    }

    /// Regression: B·H over the grid's y limit and tensors larger than any GPU were accepted,
    /// and 4294967296,4294967296,1,64 failed later with evalexpr's "Error multiplying".
    #[test]
    fn shapes_beyond_the_grid_the_int_or_the_memory_are_named() {
        assert!(check(dims(1, 65_535, 512, 64)).is_ok());
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
        assert!(check(dims(1, 1, (1 << 31) - 1, 8)).is_ok());
        let m = message(64, 64, 1 << 20, 128);
        assert!(
            m.starts_with("shape 64,64,1048576,128 needs 2560.0 GiB"),
            "{m}"
        );
        assert!(m.contains("140 GiB"), "{m}");
    }

    /// Regression: a long KV cache's size was reported with kv_len in S's place
    /// ("1,8,2147483647,64 needs ..."), and its 32-bit limit blamed S.
    #[test]
    fn a_long_kv_len_is_named_as_such() {
        let p = Dims {
            skv: 1 << 31,
            ..dims(1, 8, 1, 64)
        };
        let e = check(p).unwrap_err();
        assert!(e.to_string().contains("kv_len = 2147483648 is over"), "{e}");
        let p = Dims {
            skv: 1 << 30,
            hk: 8,
            ..dims(2, 8, 1, 64)
        };
        let m = check(p).unwrap_err().to_string();
        assert!(
            m.contains("2,8,1,64,kv_len=1073741824 needs 2048.0 GiB"),
            "{m}"
        );
        // Grouped KV heads hold less: 32 query heads over 1 KV head fit where 32 would not.
        let gqa = Dims {
            hk: 1,
            skv: 1 << 26,
            ..dims(1, 32, 1, 128)
        };
        assert!(check(gqa).is_ok());
        assert!(check(Dims { hk: 32, ..gqa }).is_err());
    }
}
