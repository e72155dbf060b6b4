//! The files evotune and scripts/cudnn_fp8_bench.py exchange in a temporary folder: in, the e4m3
//! codes of Q, K and V (uint8 `.npy`, [B, H, S, D]) and `inputs.json` (descales and scales);
//! out, cuDNN's O dequantized (float32 `.npy`, [B, H, S, D]).

use crate::error::{Error, Result};
use crate::gpu::{npy, SdpaInputs};
use crate::numerics::E4M3_MAX;
use crate::shape::Shape;
use serde::Serialize;
use std::path::Path;

/// The script's input description.
pub const INPUTS_JSON: &str = "inputs.json";
/// The script's output: O dequantized, float32.
pub const OUTPUT_NPY: &str = "o.npy";

/// cuDNN multiplies the probabilities P ∈ [0, 1] by this before rounding them to e4m3 (and
/// divides by it after the PV product). 256 = 2⁸ is a power of two (exact), leaves P = 1 under
/// e4m3's largest value 448, and gives P the same range as evotune's kernels (p = 2^(x − (m − 8))
/// ∈ [0, 256]).
pub const SCALE_S: f32 = 256.0;

/// Bound on how far rounding P to e4m3 can raise an output above the largest |V|: each weight
/// by at most 2⁻⁴ of itself, while the softmax divides by the sum of the unrounded weights.
const P_ROUNDING_GROWTH: f32 = 1.0 + 1.0 / 16.0;

/// What `inputs.json` holds.
#[derive(Debug, Serialize)]
struct InputsJson {
    shape: [usize; 4],
    kv_shape: [usize; 4],
    causal: bool,
    layout: &'static str,
    files: [&'static str; 3],
    q_descale: f32,
    k_descale: f32,
    v_descale: f32,
    softmax_scale: f32,
    scale_s: f32,
    scale_o: f32,
    output: &'static str,
    seed: u64,
}

/// cuDNN's scale of O before its e4m3 rounding (Hopper's cuDNN writes FP8 O only): the largest
/// power of two that keeps every output inside e4m3's range. An output is a weighted mean of V's
/// column, so |O| ≤ max |V| = 448·v_descale (the largest code is 448), times
/// `P_ROUNDING_GROWTH` (1 + 2⁻⁴). A power of two makes the scaling and the dequantization exact, and
/// keeps outputs as far from e4m3's subnormals as the range allows.
pub fn output_scale(v_descale: f32) -> f32 {
    let bound = E4M3_MAX * v_descale * P_ROUNDING_GROWTH;
    if !(bound.is_finite() && bound > 0.0) {
        return 1.0;
    }
    let exponent = (E4M3_MAX / bound).log2().floor().clamp(-100.0, 100.0);
    2f32.powi(exponent as i32)
}

/// Writes q.npy, k.npy, v.npy and inputs.json into `dir`; returns the scale of O chosen.
pub fn write_inputs(dir: &Path, inputs: &SdpaInputs) -> Result<f32> {
    let sh = inputs.shape;
    let dims = [sh.b, sh.h, sh.s, sh.d];
    let kv_dims = [sh.b, sh.hk(), sh.skv(), sh.d];
    let files = ["q.npy", "k.npy", "v.npy"];
    for ((name, t), d) in files
        .iter()
        .zip(inputs.tensors())
        .zip([dims, kv_dims, kv_dims])
    {
        npy::write(&dir.join(name), &t.codes, &d)?;
    }
    let scale_o = output_scale(inputs.v.descale);
    let spec = InputsJson {
        shape: dims,
        kv_shape: kv_dims,
        causal: sh.causal,
        layout: "Q [B, H, S, D], K and V [B, kv_heads, kv_len, D], D contiguous; uint8 e4m3 \
                 codes (real value = decode(code) * descale); causal: aligned bottom-right",
        files,
        q_descale: inputs.q.descale,
        k_descale: inputs.k.descale,
        v_descale: inputs.v.descale,
        softmax_scale: inputs.softmax_scale,
        scale_s: SCALE_S,
        scale_o,
        output: OUTPUT_NPY,
        seed: inputs.seed,
    };
    let path = dir.join(INPUTS_JSON);
    let json = serde_json::to_vec_pretty(&spec).expect("inputs.json serializes");
    std::fs::write(&path, json).map_err(|e| Error::io("write", &path, e))?;
    Ok(scale_o)
}

/// The O the script wrote into `dir`, which must be float32 of `shape`.
pub fn read_output(dir: &Path, shape: &Shape) -> Result<Vec<f32>> {
    let path = dir.join(OUTPUT_NPY);
    if !path.exists() {
        return Err(Error::Other(format!(
            "the script wrote no {OUTPUT_NPY} to check"
        )));
    }
    let (values, dims) = npy::read_f32(&path)?;
    let want = [shape.b, shape.h, shape.s, shape.d];
    if dims != want {
        return Err(Error::Other(format!(
            "{OUTPUT_NPY} has shape {dims:?}, not {want:?}"
        )));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_scale_is_the_largest_power_of_two_that_fits() {
        // N(0,1) at 2,8,512,64: amax ≈ 4.9, descale ≈ 0.011; the bound 5.2 fits 448 / 5.2 = 86
        // times, so 64.
        assert_eq!(output_scale(4.9 / 448.0), 64.0);
        // Largest |V| exactly 1 (descale 1/448): 448 / 1.0625 = 421.6, so 256.
        assert_eq!(output_scale(1.0 / 448.0), 256.0);
        // Large V: below one.
        assert_eq!(output_scale(1000.0 / 448.0), 0.25);
        for bad in [0.0, f32::NAN, f32::INFINITY, -1.0] {
            assert_eq!(output_scale(bad), 1.0, "{bad}");
        }
    }

    #[test]
    fn every_output_times_the_scale_stays_inside_e4m3() {
        for v_descale in [1e-4f32, 3.3e-3, 0.0109, 0.5, 7.0] {
            let s = output_scale(v_descale);
            let worst = E4M3_MAX * v_descale * P_ROUNDING_GROWTH * s;
            assert!(
                worst <= E4M3_MAX && worst > E4M3_MAX / 2.0,
                "{v_descale}: {worst}"
            );
            assert_eq!(s.log2().fract(), 0.0, "{s} is a power of two");
        }
    }

    #[test]
    fn inputs_are_written_as_codes_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = SdpaInputs::generate(&Shape::parse("1,2,3,16").unwrap(), 4);
        let scale_o = write_inputs(dir.path(), &inputs).unwrap();
        let v = std::fs::read(dir.path().join("v.npy")).unwrap();
        assert_eq!(&v[v.len() - 96..], &inputs.v.codes[..]);
        let text = std::fs::read_to_string(dir.path().join(INPUTS_JSON)).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["shape"], serde_json::json!([1, 2, 3, 16]));
        assert_eq!(spec["q_descale"].as_f64().unwrap() as f32, inputs.q.descale);
        assert_eq!(spec["softmax_scale"].as_f64().unwrap() as f32, 0.25);
        assert_eq!(spec["scale_s"], 256.0);
        assert_eq!(spec["scale_o"].as_f64().unwrap() as f32, scale_o);
        assert_eq!(spec["output"], "o.npy");
    }

    #[test]
    fn the_output_must_be_there_and_of_the_shape() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape::parse("1,1,2,2").unwrap();
        let missing = read_output(dir.path(), &shape).unwrap_err().to_string();
        assert!(missing.contains("wrote no o.npy"), "{missing}");
        npy::write(&dir.path().join(OUTPUT_NPY), &[1.0f32; 4], &[1, 1, 4, 1]).unwrap();
        let wrong = read_output(dir.path(), &shape).unwrap_err().to_string();
        assert!(wrong.contains("[1, 1, 4, 1], not [1, 1, 2, 2]"), "{wrong}");
        npy::write(&dir.path().join(OUTPUT_NPY), &[1.5f32; 4], &[1, 1, 2, 2]).unwrap();
        assert_eq!(read_output(dir.path(), &shape).unwrap(), [1.5; 4]);
    }
}
