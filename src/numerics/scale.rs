//! Per-tensor FP8 quantization: one descale factor per tensor, real value ≈ decode(code) · descale.

use super::fp8::{decode_e4m3, encode_e4m3, E4M3_MAX};

/// The descale factor that maps `amax` onto E4M3's largest value: `amax / 448`.
///
/// An `amax` of zero or one that is not finite gives 1.0, so that quantization stays defined.
pub fn descale_for(amax: f32) -> f32 {
    if amax > 0.0 && amax.is_finite() {
        amax / E4M3_MAX
    } else {
        1.0
    }
}

/// Largest magnitude in `values`, ignoring NaNs; 0 for an empty slice.
fn amax(values: &[f32]) -> f32 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Quantizes `values` to E4M3 with one per-tensor scale; returns the codes and the descale factor.
///
/// Each code is `encode_e4m3(x / descale)`, so the element of largest magnitude maps to ±448.
pub fn quantize_e4m3(values: &[f32]) -> (Vec<u8>, f32) {
    let descale = descale_for(amax(values));
    let codes = values.iter().map(|&x| encode_e4m3(x / descale)).collect();
    (codes, descale)
}

/// The real values of E4M3 `codes` under `descale`: `decode_e4m3(code) · descale`, in f32.
pub fn dequantize_e4m3(codes: &[u8], descale: f32) -> Vec<f32> {
    codes.iter().map(|&c| decode_e4m3(c) * descale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Seeded values with magnitudes spread over `2^lo .. 2^hi` and random signs.
    fn log_uniform(seed: u64, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
                sign * rng.random_range(lo..hi).exp2()
            })
            .collect()
    }

    #[test]
    fn descale_by_hand_and_degenerate_amax() {
        assert_eq!(descale_for(448.0), 1.0);
        assert_eq!(descale_for(896.0), 2.0);
        assert_eq!(descale_for(0.0), 1.0);
        assert_eq!(descale_for(f32::INFINITY), 1.0);
        assert_eq!(descale_for(f32::NAN), 1.0);
        assert_eq!(quantize_e4m3(&[]), (vec![], 1.0));
        assert_eq!(quantize_e4m3(&[0.0, 0.0]), (vec![0x00, 0x00], 1.0));
    }

    #[test]
    fn amax_element_maps_to_plus_or_minus_448() {
        // x / (amax / 448) may land a rounding step off 448; either way the code is ±448 (0x7E).
        for seed in 0..200 {
            let values = log_uniform(seed, 64, -20.0, 20.0);
            let (codes, descale) = quantize_e4m3(&values);
            let (i, top) = values
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .unwrap();
            let want = if *top < 0.0 { 0xFE } else { 0x7E };
            assert_eq!(codes[i], want, "seed {seed}");
            assert_eq!(descale, top.abs() / 448.0);
        }
    }

    #[test]
    fn representable_values_round_trip_exactly() {
        // amax 448 gives descale 1, and each value below is an E4M3 value.
        let values = [448.0, -224.0, 1.0, 0.0, -0.001953125, 13.0];
        let (codes, descale) = quantize_e4m3(&values);
        assert_eq!(descale, 1.0);
        assert_eq!(dequantize_e4m3(&codes, descale), values);
    }

    #[test]
    fn relative_error_is_within_half_an_e4m3_ulp() {
        // Normal E4M3 values have 3 mantissa bits: RNE errs by at most 2^-4 of the value (tight
        // bound 1/17). The scalings x / descale and code · descale add two f32 roundings (2^-24
        // each), covered by the 2^-20 slack. Below 2^-6 (subnormal) the error is absolute:
        // half the smallest subnormal, 2^-10, times descale.
        let values = log_uniform(7, 20_000, -14.0, 10.0);
        let (codes, descale) = quantize_e4m3(&values);
        let back = dequantize_e4m3(&codes, descale);
        let mut worst = 0.0f64;
        for (&x, &y) in values.iter().zip(&back) {
            let (x, y) = (f64::from(x), f64::from(y));
            if x.abs() / f64::from(descale) >= 2f64.powi(-6) {
                let rel = (y - x).abs() / x.abs();
                assert!(rel <= 2f64.powi(-4) + 2f64.powi(-20), "{x} -> {y}");
                worst = worst.max(rel);
            } else {
                let bound = f64::from(descale) * (2f64.powi(-10) + 2f64.powi(-20));
                assert!((y - x).abs() <= bound, "{x} -> {y}");
            }
        }
        // The bound is not vacuous: 20000 samples come close to the worst case 1/17 ≈ 0.0588.
        assert!(worst > 0.055, "worst relative error {worst}");
    }
}
