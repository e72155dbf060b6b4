//! The matrix product D = alpha·A·Bᵀ + bias in float64, on the CPU.

use super::sdpa::dot;
use crate::matmul::Gemm;
use rayon::prelude::*;

/// `D[m][n] = alpha·Σₖ a[m][k]·b[n][k] + bias[n]`, computed in f64, for the problem `gemm`.
///
/// `a` is [M, K] and `b` is Bᵀ, [N, K] (row n holds column n of B), both row-major (K
/// contiguous); `bias` is `[N]`, added to every row; the result is [M, N], row-major. Rows run in
/// parallel.
///
/// # Panics
/// If a slice's length is not the problem's (M·K for A, N·K for Bᵀ, N for the bias).
pub fn gemm_f64(a: &[f32], b: &[f32], bias: &[f32], gemm: &Gemm, alpha: f64) -> Vec<f64> {
    let (n, k) = (gemm.n, gemm.k);
    assert!(
        a.len() == gemm.a_elements() && b.len() == gemm.b_elements() && bias.len() == n,
        "a must hold M·K = {} elements, b N·K = {} and bias N = {n}, for {gemm}",
        gemm.a_elements(),
        gemm.b_elements()
    );
    let mut out = vec![0.0; gemm.d_elements()];
    out.par_chunks_mut(n)
        .zip(a.par_chunks(k))
        .for_each(|(d_row, a_row)| {
            for ((d, b_row), &beta) in d_row.iter_mut().zip(b.chunks_exact(k)).zip(bias) {
                *d = alpha * dot(a_row, b_row) + f64::from(beta);
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(m: usize, n: usize, k: usize) -> Gemm {
        Gemm { m, n, k }
    }

    #[test]
    fn two_by_two_by_hand() {
        // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]] so Bᵀ = [[5, 7], [6, 8]];
        // A·B = [[19, 22], [43, 50]]; alpha 0.5, bias (1, -1): [[10.5, 10], [22.5, 24]].
        let d = gemm_f64(
            &[1.0, 2.0, 3.0, 4.0],
            &[5.0, 7.0, 6.0, 8.0],
            &[1.0, -1.0],
            &problem(2, 2, 2),
            0.5,
        );
        assert_eq!(d, [10.5, 10.0, 22.5, 24.0]);
    }

    #[test]
    fn rows_and_columns_land_where_they_belong() {
        // M = 3, N = 2, K = 1: D[m][n] = a[m]·b[n] + bias[n], a ragged shape in both dimensions.
        let d = gemm_f64(
            &[1.0, 2.0, 3.0],
            &[10.0, 100.0],
            &[0.25, 0.5],
            &problem(3, 2, 1),
            1.0,
        );
        assert_eq!(d, [10.25, 100.5, 20.25, 200.5, 30.25, 300.5]);
    }

    #[test]
    fn sums_in_float64() {
        // 2^24 + 1 + ... is not representable in f32: the f64 sum keeps every 1.
        let k = 4;
        let a = [16_777_216.0f32, 1.0, 1.0, 1.0];
        let d = gemm_f64(&a, &[1.0; 4], &[0.0], &problem(1, 1, k), 1.0);
        assert_eq!(d, [16_777_219.0]);
    }

    #[test]
    #[should_panic(expected = "b N·K = 4")]
    fn a_slice_of_the_wrong_length_panics_naming_it() {
        gemm_f64(&[0.0; 4], &[0.0; 3], &[0.0; 2], &problem(2, 2, 2), 1.0);
    }
}
