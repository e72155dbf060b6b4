//! Scaled-dot-product attention forward in float64, on the CPU, from dequantized inputs.

use crate::shape::Shape;
use rayon::prelude::*;

/// The default softmax scale 1/√D.
pub fn default_softmax_scale(d: usize) -> f64 {
    1.0 / (d as f64).sqrt()
}

/// O = softmax(scale · Q·Kᵀ [+ causal mask]) · V, computed in f64, for the problem `shape`.
///
/// `q` and the result are [B, H, S, D], `k` and `v` [B, kv_heads, kv_len, D], row-major (D
/// contiguous); query head h reads key/value head h / (H / kv_heads). With the causal mask,
/// query row i attends to keys 0 ..= i + kv_len - S ([`Shape::keys_of_row`]). Rows run in
/// parallel over (batch·head, query row); each softmax subtracts its row maximum first, so large
/// scores do not overflow.
///
/// # Panics
/// If a slice's length is not the problem's (`shape.elements()` for Q, `kv_elements()` for K, V).
pub fn sdpa_f64(q: &[f32], k: &[f32], v: &[f32], shape: &Shape, softmax_scale: f64) -> Vec<f64> {
    let (n, nkv) = (shape.elements(), shape.kv_elements());
    assert!(
        q.len() == n && k.len() == nkv && v.len() == nkv,
        "q must hold B·H·S·D = {n} elements, k and v B·kv_heads·kv_len·D = {nkv}, for {shape}"
    );
    let (s, d, skv, group) = (shape.s, shape.d, shape.skv(), shape.group());
    let mut out = vec![0.0; n];
    out.par_chunks_mut(d)
        .enumerate()
        .for_each_init(Vec::new, |weights, (row, o)| {
            let kv_head = (row / s / group) * skv * d;
            let keys = shape.keys_of_row(row % s);
            let qi = &q[row * d..(row + 1) * d];
            let (kh, vh) = (
                &k[kv_head..kv_head + keys * d],
                &v[kv_head..kv_head + keys * d],
            );
            softmax_weights(qi, kh, softmax_scale, weights);
            weighted_sum(weights, vh, o);
        });
    out
}

/// Fills `weights` with softmax(scale · q·kⱼ) over the rows kⱼ of `k` (normalized to sum 1).
fn softmax_weights(q: &[f32], k: &[f32], scale: f64, weights: &mut Vec<f64>) {
    weights.clear();
    weights.extend(k.chunks_exact(q.len()).map(|kj| scale * dot(q, kj)));
    let max = weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for w in weights.iter_mut() {
        *w = (*w - max).exp();
        sum += *w;
    }
    weights.iter_mut().for_each(|w| *w /= sum);
}

/// `o = Σⱼ weights[j] · vⱼ` over the rows vⱼ of `v`.
fn weighted_sum(weights: &[f64], v: &[f32], o: &mut [f64]) {
    o.fill(0.0);
    for (&w, vj) in weights.iter().zip(v.chunks_exact(o.len())) {
        for (oc, &x) in o.iter_mut().zip(vj) {
            *oc += w * f64::from(x);
        }
    }
}

/// Dot product in f64.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn shape(b: usize, h: usize, s: usize, d: usize) -> Shape {
        Shape::dense(b, h, s, d)
    }

    fn causal(s: Shape) -> Shape {
        s.refined(true, None, None).unwrap()
    }

    fn random(seed: u64, n: usize) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| rng.random_range(-2.0..2.0)).collect()
    }

    fn assert_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((g - w).abs() <= tol, "element {i}: {g} vs {w}");
        }
    }

    /// The logistic function σ(x) = 1 / (1 + e^-x): two-key softmax weights are σ of the gap.
    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn two_keys_by_hand() {
        // S=2, D=1, scale 1: q = (1, 2), k = (0, 1), v = (10, 20).
        // Row 0 scores (0, 1): O = (10 + 20e)/(1 + e) = 10 + 10·σ(1), σ(1) = 0.7310585786300049.
        // Row 1 scores (0, 2): O = 10 + 10·σ(2), σ(2) = 0.8807970779778823.
        let out = sdpa_f64(
            &[1.0, 2.0],
            &[0.0, 1.0],
            &[10.0, 20.0],
            &shape(1, 1, 2, 1),
            1.0,
        );
        assert_close(
            &out,
            &[10.0 + 10.0 * sigmoid(1.0), 10.0 + 10.0 * sigmoid(2.0)],
            1e-12,
        );
        assert!((out[0] - 17.3105858).abs() < 1e-7 && (out[1] - 18.8079708).abs() < 1e-7);
    }

    #[test]
    fn causal_first_row_sees_only_the_first_key() {
        // Same inputs as above: row 0 keeps key 0 alone (O = 10); row 1 sees both keys.
        let out = sdpa_f64(
            &[1.0, 2.0],
            &[0.0, 1.0],
            &[10.0, 20.0],
            &causal(shape(1, 1, 2, 1)),
            1.0,
        );
        assert_close(&out, &[10.0, 10.0 + 10.0 * sigmoid(2.0)], 1e-12);
    }

    #[test]
    fn default_scale_applies_one_over_sqrt_d() {
        assert_eq!(default_softmax_scale(64), 0.125);
        // D=4, scale 1/2: q = (1,1,1,1), k0 = 0, k1 = (1,1,1,1) → scores (0, 2), as row 1 above.
        let q = [1.0; 8];
        let k = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let v = [10.0, 0.0, 0.0, 0.0, 20.0, 0.0, 0.0, 0.0];
        let out = sdpa_f64(&q, &k, &v, &shape(1, 1, 2, 4), default_softmax_scale(4));
        assert!(
            (out[0] - (10.0 + 10.0 * sigmoid(2.0))).abs() < 1e-12,
            "{}",
            out[0]
        );
    }

    #[test]
    fn equal_keys_average_the_values() {
        // Every score is the same, so every weight is 1/S (causal: 1/(i+1)).
        let sh = shape(1, 2, 5, 3);
        let q = random(1, sh.elements());
        let k: Vec<f32> = (0..sh.elements())
            .map(|i| [0.5, -1.0, 2.0][i % 3])
            .collect();
        let v = random(2, sh.elements());
        for causal in [false, true] {
            let problem = if causal { self::causal(sh) } else { sh };
            let out = sdpa_f64(&q, &k, &v, &problem, 0.7);
            for row in 0..sh.b * sh.h * sh.s {
                let (head, i) = (row / sh.s, row % sh.s);
                let keys = if causal { i + 1 } else { sh.s };
                for c in 0..sh.d {
                    let col = (0..keys).map(|j| f64::from(v[(head * sh.s + j) * sh.d + c]));
                    let mean = col.sum::<f64>() / keys as f64;
                    assert!((out[row * sh.d + c] - mean).abs() < 1e-12, "row {row}");
                }
            }
        }
    }

    #[test]
    fn permuting_keys_with_values_changes_nothing() {
        let sh = shape(1, 1, 6, 4);
        let (q, k, v) = (random(3, 24), random(4, 24), random(5, 24));
        let perm = [3, 0, 5, 1, 4, 2];
        let shuffle = |x: &[f32]| -> Vec<f32> {
            perm.iter()
                .flat_map(|&j| x[j * 4..j * 4 + 4].to_vec())
                .collect()
        };
        let a = sdpa_f64(&q, &k, &v, &sh, 0.5);
        let b = sdpa_f64(&q, &shuffle(&k), &shuffle(&v), &sh, 0.5);
        assert_close(&a, &b, 1e-12);
        // Permuting queries permutes the output rows.
        let c = sdpa_f64(&shuffle(&q), &k, &v, &sh, 0.5);
        let c_unshuffled: Vec<f64> = (0..6)
            .flat_map(|i| {
                let at = perm.iter().position(|&j| j == i).unwrap();
                c[at * 4..at * 4 + 4].to_vec()
            })
            .collect();
        assert_close(&a, &c_unshuffled, 1e-12);
    }

    #[test]
    fn heads_are_independent() {
        // Each (batch, head) slice of a B=2, H=3 problem equals the problem run on that slice alone.
        let sh = shape(2, 3, 7, 5);
        let n = sh.elements();
        let (q, k, v) = (random(6, n), random(7, n), random(8, n));
        let all = sdpa_f64(&q, &k, &v, &causal(sh), 0.3);
        let one = shape(1, 1, 7, 5);
        for head in 0..6 {
            let r = head * 35..(head + 1) * 35;
            let part = sdpa_f64(
                &q[r.clone()],
                &k[r.clone()],
                &v[r.clone()],
                &causal(one),
                0.3,
            );
            assert_eq!(&all[r], &part[..], "head {head}");
        }
    }

    #[test]
    fn huge_scores_do_not_overflow() {
        // Scores 0 and 1e6 · 1e6 · 1e-3 = 1e9: exp would overflow without the row maximum;
        // the softmax is one-hot on key 1.
        let q = [1e6, 1e6];
        let out = sdpa_f64(&q, &[0.0, 1e6], &[3.0, -5.0], &shape(1, 1, 2, 1), 1e-3);
        assert_eq!(out, [-5.0, -5.0]);
    }

    #[test]
    fn grouped_heads_read_their_kv_head() {
        // H = 4 over 2 kv heads equals each query head run on its kv head alone.
        let sh = Shape::parse("1,4,3,5,kv_heads=2,kv_len=6").unwrap();
        let (q, k, v) = (random(9, 60), random(10, 60), random(11, 60));
        let all = sdpa_f64(&q, &k, &v, &sh, 0.4);
        let one = Shape::parse("1,1,3,5,kv_len=6").unwrap();
        for head in 0..4 {
            let (r, kv) = (
                head * 15..(head + 1) * 15,
                (head / 2) * 30..(head / 2 + 1) * 30,
            );
            let part = sdpa_f64(&q[r.clone()], &k[kv.clone()], &v[kv], &one, 0.4);
            assert_eq!(&all[r], &part[..], "head {head}");
        }
    }

    #[test]
    fn a_longer_kv_shifts_the_causal_diagonal() {
        // S = 2 queries over 3 keys, bottom-right: row 0 sees keys 0, 1; row 1 all three.
        // Equal scores (q = 0), so each row averages the values it sees.
        let sh = Shape::parse("1,1,2,1,causal,kv_len=3").unwrap();
        let out = sdpa_f64(&[0.0, 0.0], &[1.0, 2.0, 3.0], &[3.0, 6.0, 12.0], &sh, 1.0);
        assert_close(&out, &[4.5, 7.0], 1e-12);
        // A decode step (S = 1) sees every key, causal or not.
        let step = Shape::parse("1,1,1,1,causal,kv_len=3").unwrap();
        let out = sdpa_f64(&[0.0], &[1.0, 2.0, 3.0], &[3.0, 6.0, 12.0], &step, 1.0);
        assert_close(&out, &[7.0], 1e-12);
    }

    #[test]
    #[should_panic(expected = "B·H·S·D")]
    fn wrong_length_panics() {
        sdpa_f64(&[1.0], &[1.0], &[1.0], &shape(1, 1, 2, 1), 1.0);
    }
}
