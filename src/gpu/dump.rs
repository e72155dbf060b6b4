//! Writing one validation's inputs, output and figures to a folder, for inspection with numpy.

use super::inputs::SdpaInputs;
use super::npy::{self, F16Bits};
use super::reference::ReferencePath;
use crate::error::{Error, Result};
use crate::reference::{ErrorFigures, Tolerance};
use serde::Serialize;
use std::path::Path;

/// What meta.json holds.
#[derive(Debug, Serialize)]
struct Meta<'a> {
    shape: [usize; 4],
    kv_shape: [usize; 4],
    causal: bool,
    kv_heads: usize,
    kv_len: usize,
    layout: &'static str,
    files: [&'static str; 4],
    q_descale: f32,
    k_descale: f32,
    v_descale: f32,
    softmax_scale: f32,
    #[serde(flatten)]
    verdict: Verdict<'a>,
}

/// What every operation's meta.json says of the check: the inputs' seed, the kernel, the
/// tolerance, the reference, the figures and the verdict.
#[derive(Debug, Serialize)]
pub(crate) struct Verdict<'a> {
    seed: u64,
    kernel: &'a str,
    tolerance: Tolerance,
    reference: &'static str,
    errors: &'a ErrorFigures,
    errors_vs_full: &'a ErrorFigures,
    passed: bool,
}

impl<'a> Verdict<'a> {
    /// The verdict of `result` on inputs drawn from `seed`.
    pub(crate) fn of(seed: u64, result: &DumpedResult<'a>) -> Self {
        Verdict {
            seed,
            kernel: result.kernel,
            tolerance: result.tolerance,
            reference: result.reference.describe(),
            errors: result.errors,
            errors_vs_full: result.errors_vs_full,
            passed: result.passed,
        }
    }
}

/// Writes `meta` as `dir/meta.json`.
pub(crate) fn write_meta(dir: &Path, meta: &impl Serialize) -> Result<()> {
    let path = dir.join("meta.json");
    let json = serde_json::to_vec_pretty(meta).expect("meta serializes");
    std::fs::write(&path, json).map_err(|e| Error::io("write", &path, e))
}

/// The checked output and its figures, as dumped.
pub struct DumpedResult<'a> {
    /// The kernel's entry point.
    pub kernel: &'a str,
    /// O as fp16 bits.
    pub output: &'a [u16],
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// Which reference was used.
    pub reference: ReferencePath,
    /// Figures against the FP8 reference.
    pub errors: &'a ErrorFigures,
    /// Figures against the full-precision reference.
    pub errors_vs_full: &'a ErrorFigures,
    /// Whether the output passed.
    pub passed: bool,
}

/// Writes q.npy (uint8 e4m3 codes `[B,H,S,D]`), k.npy, v.npy (`[B,kv_heads,kv_len,D]`), o.npy
/// (float16 `[B,H,S,D]`) and meta.json (with the mask and the key/value layout) into `dir`
/// (created if needed).
pub fn write_dump(dir: &Path, inputs: &SdpaInputs, result: &DumpedResult) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let sh = inputs.shape;
    let dims = [sh.b, sh.h, sh.s, sh.d];
    let kv_dims = [sh.b, sh.hk(), sh.skv(), sh.d];
    for ((name, t), d) in ["q", "k", "v"]
        .iter()
        .zip(inputs.tensors())
        .zip([dims, kv_dims, kv_dims])
    {
        npy::write(&dir.join(format!("{name}.npy")), &t.codes, &d)?;
    }
    let o: Vec<F16Bits> = result.output.iter().map(|&b| F16Bits(b)).collect();
    npy::write(&dir.join("o.npy"), &o, &dims)?;
    let meta = Meta {
        shape: dims,
        kv_shape: kv_dims,
        causal: sh.causal,
        kv_heads: sh.hk(),
        kv_len: sh.skv(),
        layout: "q, o: [B, H, S, D]; k, v: [B, kv_heads, kv_len, D]; D contiguous; q, k, v: uint8 \
                 e4m3 codes (real value = decode(code) * descale); o: float16; causal: the mask \
                 aligned bottom-right (row i sees keys 0 ..= i + kv_len - S)",
        files: ["q.npy", "k.npy", "v.npy", "o.npy"],
        q_descale: inputs.q.descale,
        k_descale: inputs.k.descale,
        v_descale: inputs.v.descale,
        softmax_scale: inputs.softmax_scale,
        verdict: Verdict::of(inputs.seed, result),
    };
    write_meta(dir, &meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;

    #[test]
    fn writes_four_arrays_and_meta() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = SdpaInputs::generate(&Shape::parse("1,2,3,4").unwrap(), 9);
        let figures = ErrorFigures {
            max_abs: 0.5,
            mean_abs: 0.1,
            rel_l2: 0.2,
            nan_count: 0,
            inf_count: 0,
            unwritten: 0,
            elements: 24,
        };
        let out = vec![0x3C00u16; 24];
        let result = DumpedResult {
            kernel: "k",
            output: &out,
            tolerance: crate::eval::DEFAULT_TOLERANCE,
            reference: ReferencePath::CpuF64,
            errors: &figures,
            errors_vs_full: &figures,
            passed: false,
        };
        write_dump(dir.path(), &inputs, &result).unwrap();
        let q = std::fs::read(dir.path().join("q.npy")).unwrap();
        assert_eq!(&q[q.len() - 24..], &inputs.q.codes[..]);
        assert!(String::from_utf8_lossy(&q).contains("'shape': (1, 2, 3, 4)"));
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("meta.json")).unwrap()).unwrap();
        assert_eq!(meta["shape"], serde_json::json!([1, 2, 3, 4]));
        assert_eq!(meta["seed"], 9);
        assert_eq!(meta["k_descale"].as_f64().unwrap() as f32, inputs.k.descale);
        assert_eq!(meta["errors"]["max_abs"], 0.5);
        assert_eq!(meta["tolerance"]["atol"], 0.03);
        assert_eq!(meta["passed"], false);
    }
}
