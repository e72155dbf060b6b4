//! The matrix product's problem: M, N, K (A [M, K] and Bᵀ [N, K] in, D [M, N] out), parsed from
//! `--gemm M,N,K` and checked against the kernels' `int`s and the largest Hopper GPU; how its
//! operands are laid out in device memory ([`Gemm::pitch`]).

use crate::error::{Error, Input, Result};
use crate::shape_limits::MAX_DEVICE_BYTES;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The rows of A and Bᵀ in device memory start this many bytes apart at least: TMA (and
/// cuBLASLt's FP8 matmul) take only row strides that are multiples of 16 bytes, so a K that is
/// not one is stored in rows of [`Gemm::pitch`] bytes, the padding zero and outside the product.
pub const ROW_ALIGN: usize = 16;

/// One GEMM problem: A [M, K] and Bᵀ [N, K] in (both K-major), D [M, N] out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gemm {
    /// Rows of A and D.
    pub m: usize,
    /// Columns of D (rows of Bᵀ).
    pub n: usize,
    /// The reduction length: columns of A and of Bᵀ.
    pub k: usize,
}

impl Gemm {
    /// The problem M, N, K, checked: each positive and within the kernels' 32-bit `int`, and A,
    /// Bᵀ (e4m3, in rows of [`Gemm::pitch`] bytes) and D (fp16) within the largest Hopper GPU.
    pub fn new(m: usize, n: usize, k: usize) -> Result<Gemm> {
        let g = Gemm { m, n, k };
        for (name, value) in [("M", m), ("N", n), ("K", k)] {
            check_dimension(&g, name, value)?;
        }
        g.check_memory()?;
        Ok(g)
    }

    /// Bytes between the starts of two rows of A (and of Bᵀ) on the device: K rounded up to
    /// [`ROW_ALIGN`] (K itself when it is a multiple of 16).
    pub fn pitch(&self) -> usize {
        self.k.next_multiple_of(ROW_ALIGN)
    }

    /// Fails when A and Bᵀ (one byte per element, rows of [`Gemm::pitch`] bytes) and D (two
    /// bytes) need more than the largest Hopper GPU holds.
    fn check_memory(&self) -> Result<()> {
        let [m, n, pitch] = [self.m, self.n, self.pitch()].map(|v| v as u128);
        let bytes = (m + n) * pitch + 2 * m * n;
        if bytes > MAX_DEVICE_BYTES {
            return Err(bad(format!(
                "{self} needs {:.1} GiB for A, B (e4m3) and D (fp16), more than the {} GiB of \
                 the largest Hopper GPU (H200)",
                bytes as f64 / (1u64 << 30) as f64,
                MAX_DEVICE_BYTES >> 30
            )));
        }
        Ok(())
    }

    /// M, N and K as a kernel's 32-bit `int` arguments; over `i32` (a problem not built by
    /// [`Gemm::new`]) is an error naming it.
    pub fn kernel_dims(&self) -> Result<[i32; 3]> {
        let int = |name: &str, v: usize| {
            i32::try_from(v).map_err(|_| bad(format!("{name} = {v} in {self} does not fit an int")))
        };
        Ok([int("M", self.m)?, int("N", self.n)?, int("K", self.k)?])
    }

    /// Elements of A.
    pub fn a_elements(&self) -> usize {
        self.m * self.k
    }

    /// Elements of Bᵀ.
    pub fn b_elements(&self) -> usize {
        self.n * self.k
    }

    /// Elements of D.
    pub fn d_elements(&self) -> usize {
        self.m * self.n
    }
}

/// A dimension that is zero or over the kernels' `int` is an error naming it.
fn check_dimension(g: &Gemm, name: &str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(bad(format!(
            "{name} = 0 in {g}: M, N and K must be positive"
        )));
    }
    if value > i32::MAX as usize {
        return Err(bad(format!(
            "{name} = {value} is over {} (the kernels take M, N and K as 32-bit ints)",
            i32::MAX
        )));
    }
    Ok(())
}

fn bad(message: String) -> Error {
    Error::input(Input::Gemm, message)
}

impl FromStr for Gemm {
    type Err = Error;

    /// Parses `M,N,K` (three positive integers).
    fn from_str(text: &str) -> Result<Gemm> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() != 3 {
            return Err(bad(format!(
                "expects M,N,K as three positive integers, got '{text}' ({} value{})",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            )));
        }
        let mut dims = [0usize; 3];
        for ((dim, part), name) in dims.iter_mut().zip(&parts).zip(["M", "N", "K"]) {
            *dim = part.parse().map_err(|_| {
                bad(format!(
                    "expects M,N,K as three positive integers, got '{text}' ({name} = '{part}' is \
                     not a non-negative integer)"
                ))
            })?;
        }
        Gemm::new(dims[0], dims[1], dims[2])
    }
}

impl fmt::Display for Gemm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.m, self.n, self.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gemm(text: &str) -> Gemm {
        text.parse().unwrap()
    }

    fn error(text: &str) -> String {
        text.parse::<Gemm>().unwrap_err().to_string()
    }

    #[test]
    fn parses_three_dimensions_and_prints_them_back() {
        let g = gemm("129, 257,384");
        assert_eq!((g.m, g.n, g.k), (129, 257, 384));
        assert_eq!(g.to_string(), "129,257,384");
        assert_eq!(gemm(&g.to_string()), g);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = error("64,64");
        assert!(
            e.starts_with("GEMM problem expects M,N,K") && e.contains("'64,64'"),
            "{e}"
        );
        let e = error("1,2,3,4");
        assert!(e.contains("4 values"), "{e}");
        let e = error("64,x,64");
        assert!(e.contains("N = 'x'"), "{e}");
        assert!(error("64,-1,64").contains("N = '-1'"));
        let e = error("0,64,64");
        assert!(e.contains("M = 0") && e.contains("positive"), "{e}");
        let e = error("3000000000,16,16");
        assert!(e.contains("M = 3000000000") && e.contains("32-bit"), "{e}");
        let e = error("300000,300000,16");
        assert!(e.contains("GiB"), "{e}");
    }

    #[test]
    fn the_pitch_is_k_rounded_up_to_sixteen_bytes() {
        for (k, pitch) in [
            (1, 16),
            (16, 16),
            (100, 112),
            (107, 112),
            (112, 112),
            (4096, 4096),
        ] {
            assert_eq!(gemm(&format!("64,64,{k}")).pitch(), pitch, "K = {k}");
        }
    }

    #[test]
    fn serializes_as_its_three_dimensions() {
        let g = gemm("1,64,16");
        let json = serde_json::to_string(&g).unwrap();
        assert_eq!(json, r#"{"m":1,"n":64,"k":16}"#);
        assert_eq!(serde_json::from_str::<Gemm>(&json).unwrap(), g);
    }
}
