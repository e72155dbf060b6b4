//! The files evotune and scripts/scaled_mm_bench.py exchange in a temporary folder: in, the e4m3
//! codes of A and Bᵀ (uint8 `.npy`, [M, K] and [N, K]), the bias (float32 `.npy`, [N]) and
//! `inputs.json` (the problem, the descales and the scale); out, D as float32 (`.npy`, [M, N]).

use crate::error::{Error, Result};
use crate::gpu::{npy, GemmInputs};
use crate::op::Gemm;
use serde::Serialize;
use std::path::Path;

/// The script's input description.
pub const INPUTS_JSON: &str = "inputs.json";
/// The script's output: D, float32.
pub const OUTPUT_NPY: &str = "d.npy";

/// The files of the inputs, by the names the script asks for them.
#[derive(Debug, Serialize)]
struct Files {
    a: &'static str,
    b: &'static str,
    bias: &'static str,
}

/// What `inputs.json` holds.
#[derive(Debug, Serialize)]
struct InputsJson {
    m: usize,
    n: usize,
    k: usize,
    layout: &'static str,
    files: Files,
    a_descale: f32,
    b_descale: f32,
    scale: f32,
    output: &'static str,
    seed: u64,
}

/// Writes a.npy, b.npy, bias.npy and inputs.json into `dir`.
pub fn write_inputs(dir: &Path, inputs: &GemmInputs) -> Result<()> {
    let g = inputs.problem;
    let files = Files {
        a: "a.npy",
        b: "b.npy",
        bias: "bias.npy",
    };
    npy::write(&dir.join(files.a), &inputs.a.codes, &[g.m, g.k])?;
    npy::write(&dir.join(files.b), &inputs.b.codes, &[g.n, g.k])?;
    npy::write(&dir.join(files.bias), &inputs.bias, &[g.n])?;
    let spec = InputsJson {
        m: g.m,
        n: g.n,
        k: g.k,
        layout: "A [M, K] and B^T [N, K], K contiguous, uint8 e4m3 codes (real value = \
                 decode(code) * descale); bias [N] float32; D = scale * A B + bias, [M, N]",
        files,
        a_descale: inputs.a.descale,
        b_descale: inputs.b.descale,
        scale: inputs.scale,
        output: OUTPUT_NPY,
        seed: inputs.seed,
    };
    let path = dir.join(INPUTS_JSON);
    let json = serde_json::to_vec_pretty(&spec).expect("inputs.json serializes");
    std::fs::write(&path, json).map_err(|e| Error::io("write", &path, e))
}

/// The D the script wrote into `dir`, which must be float32 [M, N].
pub fn read_output(dir: &Path, g: &Gemm) -> Result<Vec<f32>> {
    let path = dir.join(OUTPUT_NPY);
    if !path.exists() {
        return Err(Error::Other(format!(
            "the script wrote no {OUTPUT_NPY} to check"
        )));
    }
    let (values, dims) = npy::read_f32(&path)?;
    if dims != [g.m, g.n] {
        return Err(Error::Other(format!(
            "{OUTPUT_NPY} has shape {dims:?}, not [{}, {}]",
            g.m, g.n
        )));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_written_as_codes_bias_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = GemmInputs::generate(&"3,5,16".parse().unwrap(), 4);
        write_inputs(dir.path(), &inputs).unwrap();
        let b = std::fs::read(dir.path().join("b.npy")).unwrap();
        assert_eq!(&b[b.len() - 80..], &inputs.b.codes[..]);
        let bias = std::fs::read(dir.path().join("bias.npy")).unwrap();
        assert_eq!(&bias[bias.len() - 4..], &inputs.bias[4].to_le_bytes());
        let text = std::fs::read_to_string(dir.path().join(INPUTS_JSON)).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["m"], 3);
        assert_eq!(spec["n"], 5);
        assert_eq!(spec["k"], 16);
        assert_eq!(spec["a_descale"].as_f64().unwrap() as f32, inputs.a.descale);
        assert_eq!(spec["scale"].as_f64().unwrap() as f32, 0.25);
        assert_eq!(spec["files"]["bias"], "bias.npy");
        assert_eq!(spec["output"], "d.npy");
    }

    #[test]
    fn the_output_must_be_there_and_of_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let g: Gemm = "2,3,16".parse().unwrap();
        let missing = read_output(dir.path(), &g).unwrap_err().to_string();
        assert!(missing.contains("wrote no d.npy"), "{missing}");
        npy::write(&dir.path().join(OUTPUT_NPY), &[1.0f32; 6], &[3, 2]).unwrap();
        let wrong = read_output(dir.path(), &g).unwrap_err().to_string();
        assert!(wrong.contains("[3, 2], not [2, 3]"), "{wrong}");
        npy::write(&dir.path().join(OUTPUT_NPY), &[1.5f32; 6], &[2, 3]).unwrap();
        assert_eq!(read_output(dir.path(), &g).unwrap(), [1.5; 6]);
    }
}
