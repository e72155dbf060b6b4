//! The attention problem shape [B, H, S, D] and its parsing from `--shape`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest head dimension the kernels support (padded internally to a multiple of 32).
pub const MAX_HEAD_DIM: usize = 256;

/// Batch, heads, sequence length and head dimension of one SDPA problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shape {
    /// Batch size.
    pub b: usize,
    /// Number of heads.
    pub h: usize,
    /// Sequence length (queries and keys).
    pub s: usize,
    /// Head dimension.
    pub d: usize,
}

impl Shape {
    /// Parses `B,H,S,D` as given to `--shape`; every error names the flag and the value.
    pub fn parse(text: &str) -> Result<Shape> {
        let bad = || {
            Error::flag(
                "--shape",
                format!("expects B,H,S,D as four positive integers, got '{text}'"),
            )
        };
        let dims: Vec<usize> = text
            .split(',')
            .map(|p| p.trim().parse::<usize>().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        let [b, h, s, d] = dims[..] else {
            return Err(bad());
        };
        if dims.contains(&0) {
            return Err(bad());
        }
        if d > MAX_HEAD_DIM {
            return Err(Error::flag(
                "--shape",
                format!("head dimension D={d} is over the supported maximum of {MAX_HEAD_DIM}"),
            ));
        }
        crate::shape_limits::check(b, h, s, d)?;
        Ok(Shape { b, h, s, d })
    }

    /// Floating-point operations of the forward pass: 4·B·H·S²·D (two GEMMs).
    pub fn flops(&self) -> f64 {
        4.0 * (self.b * self.h) as f64 * (self.s as f64).powi(2) * self.d as f64
    }

    /// Elements in one of Q, K, V or O.
    pub fn elements(&self) -> usize {
        self.b * self.h * self.s * self.d
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{}", self.b, self.h, self.s, self.d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_four_positive_integers() {
        let s = Shape::parse("2,8,512,64").unwrap();
        assert_eq!((s.b, s.h, s.s, s.d), (2, 8, 512, 64));
        assert_eq!(s.to_string(), "2,8,512,64");
    }

    #[test]
    fn rejects_wrong_count_zero_and_text() {
        for bad in [
            "2,8,512",
            "2,8,512,64,1",
            "0,8,512,64",
            "a,8,512,64",
            "",
            "2,-8,512,64",
        ] {
            let msg = Shape::parse(bad).unwrap_err().to_string();
            assert!(msg.contains("--shape"), "{msg}");
            assert!(msg.contains(bad), "{msg}");
        }
    }

    #[test]
    fn rejects_head_dim_over_256() {
        let msg = Shape::parse("1,1,16,257").unwrap_err().to_string();
        assert!(msg.contains("D=257") && msg.contains("256"), "{msg}");
        assert!(Shape::parse("1,1,16,256").is_ok());
    }

    #[test]
    fn flops_match_the_design_formula() {
        let s = Shape::parse("2,8,512,64").unwrap();
        assert_eq!(s.flops(), 4.0 * 16.0 * 512.0 * 512.0 * 64.0);
    }
}
