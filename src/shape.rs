//! The attention problem: shape [B, H, S, D], causal masking, grouped key/value heads and a
//! key/value length of its own; parsed from `--shape` and the flags that refine it.

use crate::error::{Error, Input, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest head dimension the kernels support (padded internally to a multiple of 32).
pub const MAX_HEAD_DIM: usize = 256;

/// One SDPA problem. Q and O are [B, H, S, D]; K and V are [B, kv_heads, kv_len, D]; query
/// head h reads key/value head h / (H / kv_heads). With `causal`, query row i sees keys
/// 0 ..= i + kv_len - S (the mask aligned bottom-right, as FlashAttention-2 and cuDNN do).
///
/// `kv_heads` and `kv_len` are `None` when they equal H and S, so a plain problem reads and
/// writes as it always has (run folders recorded before these fields exist stay valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shape {
    /// Batch size.
    pub b: usize,
    /// Number of query heads.
    pub h: usize,
    /// Query sequence length.
    pub s: usize,
    /// Head dimension.
    pub d: usize,
    /// Causal mask, aligned bottom-right.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub causal: bool,
    /// Key/value heads when fewer than H (grouped-query attention; 1 is multi-query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_heads: Option<usize>,
    /// Keys per sequence when not S.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_len: Option<usize>,
}

impl Shape {
    /// The plain problem: non-causal, H key/value heads, S keys.
    pub fn dense(b: usize, h: usize, s: usize, d: usize) -> Shape {
        Shape {
            b,
            h,
            s,
            d,
            causal: false,
            kv_heads: None,
            kv_len: None,
        }
    }

    /// Parses `B,H,S,D[,causal][,kv_heads=N][,kv_len=N]` as given to `--shape` (and to sweeps);
    /// every error names the input (shape, kv_heads, kv_len) and the value.
    pub fn parse(text: &str) -> Result<Shape> {
        let bad = || {
            Error::input(
                Input::Shape,
                format!(
                    "expects B,H,S,D as four positive integers, optionally followed by causal, \
                     kv_heads=N and kv_len=N, got '{text}'"
                ),
            )
        };
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() < 4 {
            return Err(bad());
        }
        let dims: Vec<usize> = parts[..4]
            .iter()
            .map(|p| p.parse::<usize>().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        if dims.contains(&0) {
            return Err(bad());
        }
        let mut shape = Shape::dense(dims[0], dims[1], dims[2], dims[3]);
        for item in &parts[4..] {
            shape = shape.with_item(item).ok_or_else(bad)?;
        }
        shape.checked()
    }

    /// One `causal` / `kv_heads=N` / `kv_len=N` item applied, or `None` if it is none of them.
    fn with_item(mut self, item: &str) -> Option<Shape> {
        let number = |v: &str| v.parse::<usize>().ok().filter(|&n| n > 0);
        match item.split_once('=') {
            None if item == "causal" => self.causal = true,
            Some(("kv_heads", v)) => self.kv_heads = Some(number(v)?),
            Some(("kv_len", v)) => self.kv_len = Some(number(v)?),
            _ => return None,
        }
        Some(self)
    }

    /// The problem with `--causal`, `--kv-heads` and `--kv-len` applied, checked.
    pub fn refined(
        mut self,
        causal: bool,
        kv_heads: Option<usize>,
        kv_len: Option<usize>,
    ) -> Result<Shape> {
        self.causal |= causal;
        self.kv_heads = agreed(Input::KvHeads, "kv_heads", kv_heads, self.kv_heads)?;
        self.kv_len = agreed(Input::KvLen, "kv_len", kv_len, self.kv_len)?;
        self.checked_from(Sources {
            kv_heads: kv_heads.is_some(),
            kv_len: kv_len.is_some(),
        })
    }

    /// Validates the dimensions together and drops `kv_heads`/`kv_len` equal to H/S; an error
    /// about them names the shape's text as their source.
    fn checked(self) -> Result<Shape> {
        self.checked_from(Sources::default())
    }

    /// [`Shape::checked`], an error about kv_heads or kv_len naming its flag where `from` says
    /// the value came from one.
    fn checked_from(mut self, from: Sources) -> Result<Shape> {
        let blame = |flag: bool, input: Input| if flag { input } else { Input::Shape };
        if self.d > MAX_HEAD_DIM {
            return Err(Error::input(
                Input::Shape,
                format!(
                    "head dimension D={} is over the supported maximum of {MAX_HEAD_DIM}",
                    self.d
                ),
            ));
        }
        let hk = self.kv_heads.unwrap_or(self.h);
        if hk == 0 || !self.h.is_multiple_of(hk) {
            return Err(Error::input(
                blame(from.kv_heads, Input::KvHeads),
                format!(
                    "kv_heads={hk} must divide the {} query heads (1 for multi-query attention)",
                    self.h
                ),
            ));
        }
        let skv = self.kv_len.unwrap_or(self.s);
        if skv == 0 || (self.causal && skv < self.s) {
            return Err(Error::input(
                blame(from.kv_len, Input::KvLen),
                format!(
                    "kv_len={skv} is shorter than S={}: with the causal mask aligned bottom-right, \
                     the first {} query rows would see no key",
                    self.s,
                    self.s - skv
                ),
            ));
        }
        self.kv_heads = Some(hk).filter(|&n| n != self.h);
        self.kv_len = Some(skv).filter(|&n| n != self.s);
        crate::shape_limits::check(crate::shape_limits::Dims {
            b: self.b,
            h: self.h,
            s: self.s,
            d: self.d,
            hk,
            skv,
        })
        .map_err(|e| match e {
            Error::BadInput {
                input: Input::KvLen,
                message,
            } => Error::input(blame(from.kv_len, Input::KvLen), message),
            other => other,
        })?;
        Ok(self)
    }

    /// Key/value heads.
    pub fn hk(&self) -> usize {
        self.kv_heads.unwrap_or(self.h)
    }

    /// Keys per sequence.
    pub fn skv(&self) -> usize {
        self.kv_len.unwrap_or(self.s)
    }

    /// Query heads per key/value head.
    pub fn group(&self) -> usize {
        self.h / self.hk()
    }

    /// Whether this is the plain problem (non-causal, H key/value heads, S keys).
    pub fn is_dense(&self) -> bool {
        !self.causal && self.kv_heads.is_none() && self.kv_len.is_none()
    }

    /// Keys query row `row` (0-based, < S) attends to: a prefix 0 .. keys_of_row(row).
    pub fn keys_of_row(&self, row: usize) -> usize {
        if self.causal {
            row + 1 + self.skv() - self.s
        } else {
            self.skv()
        }
    }

    /// (query, key) pairs one head attends to: S·kv_len, or with the causal mask the pairs on
    /// and below its diagonal.
    pub fn pairs_per_head(&self) -> f64 {
        let (s, skv) = (self.s as f64, self.skv() as f64);
        if self.causal {
            s * (skv - s) + s * (s + 1.0) / 2.0
        } else {
            s * skv
        }
    }

    /// Elements in Q or O.
    pub fn elements(&self) -> usize {
        self.b * self.h * self.s * self.d
    }

    /// Elements in K or V.
    pub fn kv_elements(&self) -> usize {
        self.b * self.hk() * self.skv() * self.d
    }
}

impl std::str::FromStr for Shape {
    type Err = Error;

    /// As [`Shape::parse`].
    fn from_str(text: &str) -> Result<Shape> {
        Shape::parse(text)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{}", self.b, self.h, self.s, self.d)?;
        if self.causal {
            write!(f, ",causal")?;
        }
        if let Some(n) = self.kv_heads {
            write!(f, ",kv_heads={n}")?;
        }
        if let Some(n) = self.kv_len {
            write!(f, ",kv_len={n}")?;
        }
        Ok(())
    }
}

/// Whether `kv_heads` and `kv_len` came from their flags (else from the shape's text).
#[derive(Debug, Clone, Copy, Default)]
struct Sources {
    kv_heads: bool,
    kv_len: bool,
}

/// The value of a flag and of the same item in the shape's text, which must agree where both
/// are given.
fn agreed(
    input: Input,
    name: &str,
    flag: Option<usize>,
    text: Option<usize>,
) -> Result<Option<usize>> {
    match (flag, text) {
        (Some(f), Some(t)) if f != t => Err(Error::input(
            input,
            format!("{f} contradicts {name}={t} in the shape; give it once"),
        )),
        _ => Ok(flag.or(text)),
    }
}

#[cfg(test)]
mod tests;
