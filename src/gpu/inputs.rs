//! Fresh random SDPA inputs: Q, K, V ~ N(0,1), seeded, each quantized to e4m3 with its own
//! per-tensor scale; the f32 originals are kept for the full-precision error.

use crate::numerics::{decode_e4m3, descale_for, encode_e4m3, f32_to_f16_bits};
use crate::reference::default_softmax_scale;
use crate::shape::Shape;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

/// Elements drawn from one RNG; each chunk's RNG is derived from (seed, tensor, chunk index),
/// so the values do not depend on how many threads draw them.
const CHUNK: usize = 1 << 16;

/// One input tensor: the f32 values drawn, their e4m3 codes and the per-tensor descale factor.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedTensor {
    /// The values as drawn (full precision).
    pub original: Vec<f32>,
    /// e4m3 codes: real value = decode(code) · descale.
    pub codes: Vec<u8>,
    /// The per-tensor descale factor (amax / 448).
    pub descale: f32,
}

impl QuantizedTensor {
    /// Quantizes `original` per tensor (same result as `numerics::quantize_e4m3`, in parallel).
    pub fn quantize(original: Vec<f32>) -> Self {
        let amax = original
            .par_iter()
            .map(|x| x.abs())
            .reduce(|| 0.0, f32::max);
        let descale = descale_for(amax);
        let codes = original
            .par_iter()
            .map(|&x| encode_e4m3(x / descale))
            .collect();
        QuantizedTensor {
            original,
            codes,
            descale,
        }
    }

    /// The real values the kernel sees: decode(code) · descale, in f32.
    pub fn dequantized(&self) -> Vec<f32> {
        let d = self.descale;
        self.codes.par_iter().map(|&c| decode_e4m3(c) * d).collect()
    }
}

/// Q, K and V of one validation: Q [B, H, S, D], K and V [B, kv_heads, kv_len, D], D contiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct SdpaInputs {
    /// The problem.
    pub shape: Shape,
    /// The seed they were drawn with.
    pub seed: u64,
    /// Queries.
    pub q: QuantizedTensor,
    /// Keys.
    pub k: QuantizedTensor,
    /// Values.
    pub v: QuantizedTensor,
    /// 1/√D, as the kernel receives it.
    pub softmax_scale: f32,
}

impl SdpaInputs {
    /// Draws Q, K, V ~ N(0,1) with `seed` (Q, K and V from independent streams) and quantizes each.
    pub fn generate(shape: &Shape, seed: u64) -> Self {
        let (n, nkv) = (shape.elements(), shape.kv_elements());
        let [q, k, v] = [(0u64, n), (1, nkv), (2, nkv)]
            .map(|(t, len)| QuantizedTensor::quantize(normals(seed, t, len)));
        SdpaInputs {
            shape: *shape,
            seed,
            q,
            k,
            v,
            softmax_scale: default_softmax_scale(shape.d) as f32,
        }
    }

    /// The three tensors in order Q, K, V.
    pub fn tensors(&self) -> [&QuantizedTensor; 3] {
        [&self.q, &self.k, &self.v]
    }
}

/// The fp16 bits of `values` (round to nearest even), for the fp16 baselines.
pub fn to_f16_bits(values: &[f32]) -> Vec<u16> {
    values.par_iter().map(|&x| f32_to_f16_bits(x)).collect()
}

/// `n` draws of N(0,1) for tensor number `tensor` under `seed`, the same on any number of
/// threads.
pub(crate) fn normals(seed: u64, tensor: u64, n: usize) -> Vec<f32> {
    let normal = Normal::new(0.0f32, 1.0).expect("N(0,1) is a valid distribution");
    let mut out = vec![0.0f32; n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, values)| {
            let mut rng = StdRng::seed_from_u64(chunk_seed(seed, tensor, chunk as u64));
            values.iter_mut().for_each(|x| *x = normal.sample(&mut rng));
        });
    out
}

/// A well-mixed seed for one chunk (SplitMix64's finalizer over the three numbers).
fn chunk_seed(seed: u64, tensor: u64, chunk: u64) -> u64 {
    let mut z = seed
        .wrapping_add(tensor.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(chunk.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quantize_e4m3;

    fn shape(text: &str) -> Shape {
        Shape::parse(text).unwrap()
    }

    #[test]
    fn same_seed_same_inputs_other_seed_other_inputs() {
        let s = shape("1,2,40,24");
        let a = SdpaInputs::generate(&s, 7);
        assert_eq!(a, SdpaInputs::generate(&s, 7));
        let b = SdpaInputs::generate(&s, 8);
        assert_ne!(a.q.original, b.q.original);
        // Q, K and V come from independent streams, not the same draws.
        assert_ne!(a.q.original, a.k.original);
        assert_ne!(a.k.original, a.v.original);
        assert_eq!(a.softmax_scale, (1.0 / 24f64.sqrt()) as f32);
    }

    #[test]
    fn values_do_not_depend_on_the_thread_count() {
        // Three chunks and a partial one: drawn on 1 thread and on 4, the same values.
        let n = 3 * CHUNK + 123;
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let a = one.install(|| normals(5, 1, n));
        let b = four.install(|| normals(5, 1, n));
        assert_eq!(a, b);
    }

    #[test]
    fn draws_look_standard_normal() {
        // 2^18 draws: the mean's standard error is 0.002 and the variance's 0.003, so 5-sigma
        // bounds are 0.01 and 0.015; 68.3% should fall within one sigma and ~0.27% outside 3.
        let v = normals(11, 0, 1 << 18);
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let var = v
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n;
        let within1 = v.iter().filter(|x| x.abs() < 1.0).count() as f64 / n;
        let beyond3 = v.iter().filter(|x| x.abs() > 3.0).count() as f64 / n;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "variance {var}");
        assert!(
            (within1 - 0.6827).abs() < 0.005,
            "within one sigma {within1}"
        );
        assert!(
            (beyond3 - 0.0027).abs() < 0.001,
            "beyond three sigma {beyond3}"
        );
    }

    #[test]
    fn each_tensor_is_quantized_with_its_own_scale() {
        let inputs = SdpaInputs::generate(&shape("2,2,64,32"), 3);
        for t in inputs.tensors() {
            let (codes, descale) = quantize_e4m3(&t.original);
            assert_eq!(t.codes, codes);
            assert_eq!(t.descale, descale);
            let amax = t.original.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert_eq!(t.descale, amax / 448.0);
            // The dequantized values are within half an e4m3 step (2^-4 relative) of the
            // originals, or within 2^-10·descale for subnormal codes.
            for (x, y) in t.original.iter().zip(t.dequantized()) {
                let bound = (x.abs() / 16.0).max(t.descale / 1024.0) * 1.0001;
                assert!((x - y).abs() <= bound, "{x} -> {y}");
            }
        }
        assert_ne!(inputs.q.descale, inputs.k.descale);
    }

    #[test]
    fn fp16_rounding_is_round_to_nearest() {
        assert_eq!(to_f16_bits(&[1.0, -2.0, 0.0]), [0x3C00, 0xC000, 0x0000]);
        // 1 + 2^-11 is halfway between 1 and the next fp16 (1 + 2^-10): ties to even gives 1.
        assert_eq!(to_f16_bits(&[1.0 + 2f32.powi(-11)]), [0x3C00]);
    }
}
