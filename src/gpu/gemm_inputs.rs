//! Fresh random GEMM inputs: A and Bᵀ ~ N(0,1), seeded, each quantized to e4m3 with its own
//! per-tensor scale (as SDPA's inputs are), and a bias ~ N(0, 0.25).

use super::inputs::{normals, QuantizedTensor};
use crate::op::Gemm;

/// Tensor numbers of the random streams: A, Bᵀ and the bias draw from independent ones.
const A_STREAM: u64 = 0;
const B_STREAM: u64 = 1;
const BIAS_STREAM: u64 = 2;

/// The bias's standard deviation, against the product's 1.
pub const BIAS_SCALE: f32 = 0.5;

/// A, Bᵀ and the bias of one validation: A [M, K] and Bᵀ [N, K] (row n holds column n of B), both
/// K contiguous as FP8 wgmma and cuBLASLt take them; the bias `[N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GemmInputs {
    /// The problem.
    pub problem: Gemm,
    /// The seed they were drawn with.
    pub seed: u64,
    /// A, [M, K].
    pub a: QuantizedTensor,
    /// Bᵀ, [N, K].
    pub b: QuantizedTensor,
    /// The bias, `[N]`, f32 as the kernel reads it.
    pub bias: Vec<f32>,
    /// 1/√K: the product's scale over the real (dequantized) values, which keeps D ~ N(0,1) plus
    /// the bias.
    pub scale: f32,
}

impl GemmInputs {
    /// Draws A and Bᵀ ~ N(0,1) and the bias ~ N(0,1)·[`BIAS_SCALE`] with `seed`, from independent
    /// streams, and quantizes A and Bᵀ.
    pub fn generate(problem: &Gemm, seed: u64) -> Self {
        let [a, b] = [
            (A_STREAM, problem.a_elements()),
            (B_STREAM, problem.b_elements()),
        ]
        .map(|(t, len)| QuantizedTensor::quantize(normals(seed, t, len)));
        let mut bias = normals(seed, BIAS_STREAM, problem.n);
        bias.iter_mut().for_each(|x| *x *= BIAS_SCALE);
        GemmInputs {
            problem: *problem,
            seed,
            a,
            b,
            bias,
            scale: (1.0 / (problem.k as f64).sqrt()) as f32,
        }
    }

    /// The kernel's `alpha`: the scale times A's and B's descales, so that alpha·Σ codes·codes is
    /// the product of the real values.
    pub fn alpha(&self) -> f32 {
        let product = f64::from(self.scale) * f64::from(self.a.descale) * f64::from(self.b.descale);
        product as f32
    }

    /// A and Bᵀ in that order.
    pub fn tensors(&self) -> [&QuantizedTensor; 2] {
        [&self.a, &self.b]
    }

    /// A's and Bᵀ's codes as the device holds them: rows of [`Gemm::pitch`] bytes, the K codes
    /// of a row then zeros (the codes themselves where K is a multiple of 16).
    pub fn pitched_codes(&self) -> [Vec<u8>; 2] {
        let (k, pitch) = (self.problem.k, self.problem.pitch());
        self.tensors().map(|t| pitched(&t.codes, k, pitch))
    }
}

/// `codes`, rows of `k` bytes, laid out in rows of `pitch` bytes with zeros after each row.
fn pitched(codes: &[u8], k: usize, pitch: usize) -> Vec<u8> {
    if k == pitch {
        return codes.to_vec();
    }
    let mut out = vec![0u8; codes.len() / k * pitch];
    for (row, to) in codes.chunks_exact(k).zip(out.chunks_exact_mut(pitch)) {
        to[..k].copy_from_slice(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quantize_e4m3;

    fn problem(text: &str) -> Gemm {
        text.parse().unwrap()
    }

    #[test]
    fn rows_are_stored_sixteen_bytes_apart_with_zeros_after_k() {
        let p = problem("3,2,5");
        let x = GemmInputs::generate(&p, 1);
        let [a, b] = x.pitched_codes();
        assert_eq!((a.len(), b.len()), (3 * 16, 2 * 16));
        for (pitched, t) in [(&a, &x.a), (&b, &x.b)] {
            for (row, codes) in pitched.chunks(16).zip(t.codes.chunks(5)) {
                assert_eq!(&row[..5], codes);
                assert!(row[5..].iter().all(|&c| c == 0));
            }
        }
        let aligned = GemmInputs::generate(&problem("3,2,32"), 1);
        assert_eq!(aligned.pitched_codes()[0], aligned.a.codes);
    }

    #[test]
    fn same_seed_same_inputs_other_seed_other_inputs() {
        let p = problem("40,24,48");
        let x = GemmInputs::generate(&p, 7);
        assert_eq!(x, GemmInputs::generate(&p, 7));
        assert_ne!(x.a.original, GemmInputs::generate(&p, 8).a.original);
        // A, B and the bias come from independent streams, not the same draws.
        assert_ne!(x.a.original[..24], x.b.original[..24]);
        assert_ne!(
            x.bias[..],
            x.a.original[..24]
                .iter()
                .map(|v| v * 0.5)
                .collect::<Vec<_>>()
        );
        assert_eq!(x.scale, (1.0 / 48f64.sqrt()) as f32);
    }

    #[test]
    fn shapes_follow_the_problem() {
        let x = GemmInputs::generate(&problem("3,5,16"), 1);
        assert_eq!(x.a.codes.len(), 3 * 16);
        assert_eq!(x.b.codes.len(), 5 * 16);
        assert_eq!(x.bias.len(), 5);
    }

    #[test]
    fn each_operand_is_quantized_with_its_own_scale() {
        let x = GemmInputs::generate(&problem("64,32,128"), 3);
        for t in x.tensors() {
            let (codes, descale) = quantize_e4m3(&t.original);
            assert_eq!((&t.codes, t.descale), (&codes, descale));
        }
        assert_ne!(x.a.descale, x.b.descale);
        let alpha = x.scale as f64 * x.a.descale as f64 * x.b.descale as f64;
        assert_eq!(x.alpha(), alpha as f32);
    }

    #[test]
    fn the_bias_is_drawn_at_half_the_products_deviation() {
        let x = GemmInputs::generate(&problem("1,65536,16"), 5);
        let n = x.bias.len() as f64;
        let var = x.bias.iter().map(|&b| f64::from(b).powi(2)).sum::<f64>() / n;
        // 2^16 draws of N(0, 0.25): the variance's standard error is 0.25·√(2/n) ≈ 0.0014.
        assert!((var - 0.25).abs() < 0.01, "variance {var}");
    }
}
