//! OCP FP8 formats E4M3 (the "fn" variant) and E5M2: exact decoding, saturating RNE encoding.
//!
//! Encoding follows PTX `cvt.rn.satfinite`: round to nearest, ties to even; finite values past the
//! largest code and infinities become ±max; NaN becomes the sign-preserving all-ones code.

use super::minifloat::Layout;

/// E4M3: 4 exponent bits, bias 7, no infinities, NaN only at S.1111.111.
const E4M3: Layout = Layout {
    man_bits: 3,
    bias: 7,
};
/// E5M2: 5 exponent bits, bias 15, IEEE-like infinities and NaNs.
const E5M2: Layout = Layout {
    man_bits: 2,
    bias: 15,
};

/// Largest finite E4M3 value (code 0x7E).
pub const E4M3_MAX: f32 = 448.0;
/// Largest finite E5M2 value (code 0x7B).
pub const E5M2_MAX: f32 = 57344.0;
/// Code magnitude of ±448.
const E4M3_MAX_CODE: u8 = 0x7E;
/// Code magnitude of ±57344.
const E5M2_MAX_CODE: u8 = 0x7B;
/// Code magnitude that encoding gives a NaN, in both formats (the sign bit is kept).
pub const NAN_CODE: u8 = 0x7F;
/// The sign bit of an FP8 code.
const SIGN: u8 = 0x80;

/// Encodes `x` as E4M3: round to nearest, ties to even, saturating to ±448; NaN → 0x7F | sign.
pub fn encode_e4m3(x: f32) -> u8 {
    encode_saturating(x, E4M3, E4M3_MAX_CODE)
}

/// Encodes `x` as E5M2: round to nearest, ties to even, saturating to ±57344 (infinities too);
/// NaN → 0x7F | sign.
pub fn encode_e5m2(x: f32) -> u8 {
    encode_saturating(x, E5M2, E5M2_MAX_CODE)
}

/// Decodes an E4M3 code exactly; 0x7F and 0xFF are NaN (quiet, sign kept).
pub fn decode_e4m3(code: u8) -> f32 {
    if code & !SIGN == NAN_CODE {
        return nan(code);
    }
    with_sign(code, E4M3.value(u32::from(code & !SIGN)))
}

/// Decodes an E5M2 code exactly; exponent field all ones is ±infinity (mantissa 0) or NaN.
pub fn decode_e5m2(code: u8) -> f32 {
    let magnitude = code & !SIGN;
    match magnitude {
        0x7C => with_sign(code, f64::INFINITY),
        0x7D..=0x7F => nan(code),
        _ => with_sign(code, E5M2.value(u32::from(magnitude))),
    }
}

/// Shared encoder: NaN keeps its sign, infinities and overflow clamp to `max_code`.
fn encode_saturating(x: f32, layout: Layout, max_code: u8) -> u8 {
    let sign = ((x.to_bits() >> 24) as u8) & SIGN;
    if x.is_nan() {
        return sign | NAN_CODE;
    }
    if x.is_infinite() {
        return sign | max_code;
    }
    let magnitude = layout.round(x.abs()).min(u32::from(max_code));
    sign | magnitude as u8
}

/// `value` with the sign bit of `code`, as f32 (exact: every FP8 value is an f32).
fn with_sign(code: u8, value: f64) -> f32 {
    let v = value as f32;
    if code & SIGN != 0 {
        -v
    } else {
        v
    }
}

/// The quiet f32 NaN with the sign bit of `code`.
fn nan(code: u8) -> f32 {
    f32::from_bits((u32::from(code & SIGN) << 24) | 0x7FC0_0000)
}

#[cfg(test)]
mod tests {
    use super::super::fp8_tables::*;
    use super::*;

    /// The next f32 above `x` (for positive finite `x`).
    fn next_up(x: f32) -> f32 {
        f32::from_bits(x.to_bits() + 1)
    }

    /// The next f32 below `x` (for positive `x`).
    fn next_down(x: f32) -> f32 {
        f32::from_bits(x.to_bits() - 1)
    }

    #[test]
    fn e4m3_decodes_every_code_like_ml_dtypes() {
        for code in 0..=255u8 {
            let got = decode_e4m3(code).to_bits();
            let want = E4M3_DECODE[usize::from(code)];
            assert_eq!(got, want, "code {code:#04x}: {got:#010x} != {want:#010x}");
        }
    }

    #[test]
    fn e5m2_decodes_every_code_like_ml_dtypes() {
        for code in 0..=255u8 {
            let got = decode_e5m2(code).to_bits();
            let want = E5M2_DECODE[usize::from(code)];
            assert_eq!(got, want, "code {code:#04x}: {got:#010x} != {want:#010x}");
        }
    }

    #[test]
    fn e4m3_encodes_tricky_inputs_like_ml_dtypes() {
        assert!(E4M3_ENCODE.len() > 500, "the table covers every midpoint");
        for &(bits, want) in E4M3_ENCODE {
            let x = f32::from_bits(bits);
            assert_eq!(encode_e4m3(x), want, "{x:e} ({bits:#010x})");
        }
    }

    #[test]
    fn e5m2_encodes_tricky_inputs_like_ml_dtypes() {
        assert!(E5M2_ENCODE.len() > 500, "the table covers every midpoint");
        for &(bits, want) in E5M2_ENCODE {
            let x = f32::from_bits(bits);
            assert_eq!(encode_e5m2(x), want, "{x:e} ({bits:#010x})");
        }
    }

    #[test]
    fn overflow_saturates_where_ml_dtypes_gives_nan_or_inf() {
        // ml_dtypes does not saturate, so these inputs are checked against the rule: ±max.
        for &bits in E4M3_OVERFLOW {
            let sign = if bits >> 31 == 1 { SIGN } else { 0 };
            assert_eq!(
                encode_e4m3(f32::from_bits(bits)),
                sign | 0x7E,
                "{bits:#010x}"
            );
        }
        for &bits in E5M2_OVERFLOW {
            let sign = if bits >> 31 == 1 { SIGN } else { 0 };
            assert_eq!(
                encode_e5m2(f32::from_bits(bits)),
                sign | 0x7B,
                "{bits:#010x}"
            );
        }
        assert!(!E4M3_OVERFLOW.is_empty() && !E5M2_OVERFLOW.is_empty());
    }

    #[test]
    fn infinities_saturate_and_nan_keeps_its_sign() {
        assert_eq!(encode_e4m3(f32::INFINITY), 0x7E);
        assert_eq!(encode_e4m3(f32::NEG_INFINITY), 0xFE);
        assert_eq!(encode_e5m2(f32::INFINITY), 0x7B);
        assert_eq!(encode_e5m2(f32::NEG_INFINITY), 0xFB);
        assert_eq!(encode_e4m3(f32::MAX), 0x7E);
        assert_eq!(encode_e5m2(-f32::MAX), 0xFB);
        assert_eq!(encode_e4m3(f32::NAN), 0x7F);
        assert_eq!(encode_e4m3(-f32::NAN), 0xFF);
        assert_eq!(encode_e5m2(f32::NAN), 0x7F);
        assert_eq!(encode_e5m2(-f32::NAN), 0xFF);
        assert!(decode_e5m2(0x7F).is_nan() && decode_e5m2(0xFF).is_nan());
    }

    #[test]
    fn extremes_by_hand() {
        // Max: E4M3 1.110·2^8 = 448, E5M2 1.11·2^15 = 57344; smallest subnormals 2^-9 and 2^-16.
        assert_eq!(decode_e4m3(0x7E), E4M3_MAX);
        assert_eq!(decode_e5m2(0x7B), E5M2_MAX);
        assert_eq!(decode_e4m3(0x01), 2f32.powi(-9));
        assert_eq!(decode_e5m2(0x01), 2f32.powi(-16));
        // E4M3 has exactly two NaN codes and no infinity.
        let nans = (0..=255u8).filter(|&c| decode_e4m3(c).is_nan()).count();
        assert_eq!(nans, 2);
        assert!((0..=255u8).all(|c| !decode_e4m3(c).is_infinite()));
    }

    #[test]
    fn signed_zero_and_underflow_keep_the_sign() {
        assert_eq!(encode_e4m3(0.0), 0x00);
        assert_eq!(encode_e4m3(-0.0), 0x80);
        assert_eq!(encode_e4m3(-1e-30), 0x80);
        assert_eq!(encode_e5m2(-0.0), 0x80);
        assert_eq!(encode_e5m2(-1e-30), 0x80);
    }

    #[test]
    fn every_finite_code_round_trips() {
        // NaN codes have no value to round-trip; E5M2's infinities saturate by design.
        for code in 0..=255u8 {
            let x = decode_e4m3(code);
            if !x.is_nan() {
                assert_eq!(encode_e4m3(x), code, "e4m3 {code:#04x}");
            }
            let y = decode_e5m2(code);
            if y.is_finite() {
                assert_eq!(encode_e5m2(y), code, "e5m2 {code:#04x}");
            }
        }
    }

    /// Midpoints of every pair of adjacent positive finite codes go to the even code, and the
    /// f32 values on either side go to the nearer code; the decoder is checked against ml_dtypes.
    fn check_every_midpoint(max_code: u8, decode: fn(u8) -> f32, encode: fn(f32) -> u8) {
        for lo in 0..max_code {
            let hi = lo + 1;
            // Exact: both codes are f32 values with at most 4 significant bits.
            let mid = ((f64::from(decode(lo)) + f64::from(decode(hi))) / 2.0) as f32;
            let even = if lo % 2 == 0 { lo } else { hi };
            assert_eq!(encode(mid), even, "midpoint of {lo:#04x} and {hi:#04x}");
            assert_eq!(encode(next_down(mid)), lo, "below midpoint of {lo:#04x}");
            assert_eq!(encode(next_up(mid)), hi, "above midpoint of {lo:#04x}");
            assert_eq!(encode(-mid), SIGN | even, "negative midpoint of {lo:#04x}");
        }
    }

    #[test]
    fn every_midpoint_ties_to_even() {
        check_every_midpoint(0x7E, decode_e4m3, encode_e4m3);
        check_every_midpoint(0x7B, decode_e5m2, encode_e5m2);
    }
}
