//! Writing one GEMM validation's inputs, output and figures to a folder, for inspection with
//! numpy.

use super::dump::{write_meta, DumpedResult, Verdict};
use super::gemm_inputs::GemmInputs;
use super::npy::{self, F16Bits};
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// What meta.json holds.
#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
struct Meta<'a> {
    M: usize,
    N: usize,
    K: usize,
    alpha: f32,
    scale: f32,
    a_descale: f32,
    b_descale: f32,
    layout: &'static str,
    files: [&'static str; 4],
    #[serde(flatten)]
    verdict: Verdict<'a>,
}

/// Writes a.npy (uint8 e4m3 codes `[M,K]`), b.npy (Bᵀ's, `[N,K]`), bias.npy (float32 `[N]`),
/// d.npy (float16 `[M,N]`) and meta.json (M, N, K, alpha and the figures) into `dir` (created if
/// needed).
pub fn write_gemm_dump(dir: &Path, inputs: &GemmInputs, result: &DumpedResult) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let g = inputs.problem;
    npy::write(&dir.join("a.npy"), &inputs.a.codes, &[g.m, g.k])?;
    npy::write(&dir.join("b.npy"), &inputs.b.codes, &[g.n, g.k])?;
    npy::write(&dir.join("bias.npy"), &inputs.bias, &[g.n])?;
    let d: Vec<F16Bits> = result.output.iter().map(|&b| F16Bits(b)).collect();
    npy::write(&dir.join("d.npy"), &d, &[g.m, g.n])?;
    let meta = Meta {
        M: g.m,
        N: g.n,
        K: g.k,
        alpha: inputs.alpha(),
        scale: inputs.scale,
        a_descale: inputs.a.descale,
        b_descale: inputs.b.descale,
        layout: "a: [M, K], b: B transposed, [N, K] (row n is column n of B), K contiguous, uint8 \
                 e4m3 codes (real value = decode(code) * descale); bias: float32 [N]; d: float16 \
                 [M, N] = alpha * (a codes) (b codes)^T + bias, alpha = scale * a_descale * \
                 b_descale",
        files: ["a.npy", "b.npy", "bias.npy", "d.npy"],
        verdict: Verdict::of(inputs.seed, result),
    };
    write_meta(dir, &meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::reference::ReferencePath;
    use crate::op::{Gemm, Problem};
    use crate::reference::ErrorFigures;

    #[test]
    fn writes_four_arrays_and_meta() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = GemmInputs::generate(&"2,3,16".parse().unwrap(), 9);
        let figures = ErrorFigures {
            max_abs: 0.5,
            mean_abs: 0.1,
            rel_l2: 0.2,
            nan_count: 0,
            inf_count: 0,
            unwritten: 0,
            elements: 6,
        };
        let out = vec![0x3C00u16; 6];
        let result = DumpedResult {
            kernel: "gemm_fp8",
            output: &out,
            tolerance: <Gemm as Problem>::DEFAULT_TOLERANCE,
            reference: ReferencePath::CpuF64,
            errors: &figures,
            errors_vs_full: &figures,
            passed: true,
        };
        write_gemm_dump(dir.path(), &inputs, &result).unwrap();
        let b = std::fs::read(dir.path().join("b.npy")).unwrap();
        assert_eq!(&b[b.len() - 48..], &inputs.b.codes[..]);
        assert!(String::from_utf8_lossy(&b).contains("'shape': (3, 16)"));
        let d = std::fs::read(dir.path().join("d.npy")).unwrap();
        assert!(String::from_utf8_lossy(&d).contains("'shape': (2, 3)"));
        let bias = std::fs::read(dir.path().join("bias.npy")).unwrap();
        assert!(String::from_utf8_lossy(&bias).contains("'shape': (3,)"));
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("meta.json")).unwrap()).unwrap();
        assert_eq!((meta["M"].clone(), meta["N"].clone()), (2.into(), 3.into()));
        assert_eq!(meta["K"], 16);
        assert_eq!(meta["alpha"].as_f64().unwrap() as f32, inputs.alpha());
        assert_eq!(meta["tolerance"]["rtol"], 0.015625);
        assert_eq!(meta["passed"], true);
    }
}
