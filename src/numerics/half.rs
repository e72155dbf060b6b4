//! IEEE fp16 and bfloat16 bit patterns to and from f32, for the kernels' outputs.
//!
//! Encoding rounds to nearest, ties to even, and overflows to infinity as IEEE 754 does.

use super::minifloat::Layout;

/// IEEE binary16: 5 exponent bits, bias 15, 10 mantissa bits.
const F16: Layout = Layout {
    man_bits: 10,
    bias: 15,
};
/// bfloat16: the top half of an f32 (8 exponent bits, bias 127, 7 mantissa bits).
const BF16: Layout = Layout {
    man_bits: 7,
    bias: 127,
};
/// fp16 positive infinity.
const F16_INF: u16 = 0x7C00;
/// bf16 positive infinity.
const BF16_INF: u16 = 0x7F80;

/// Decodes fp16 bits exactly; a NaN keeps its sign and payload (shifted into the f32 mantissa).
pub fn f16_bits_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits & 0x8000) << 16;
    let magnitude = bits & 0x7FFF;
    if magnitude >= F16_INF {
        return f32::from_bits(sign | 0x7F80_0000 | (u32::from(magnitude & 0x03FF) << 13));
    }
    let value = F16.value(u32::from(magnitude)) as f32;
    f32::from_bits(sign | value.to_bits())
}

/// Encodes `x` as fp16 bits (RNE, overflow to ±inf); a NaN stays a quiet NaN with its sign.
pub fn f32_to_f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if x.is_nan() {
        return sign | 0x7E00 | ((bits >> 13) & 0x03FF) as u16;
    }
    if x.is_infinite() {
        return sign | F16_INF;
    }
    sign | F16.round(x.abs()).min(u32::from(F16_INF)) as u16
}

/// Decodes bf16 bits exactly (they are the top half of an f32).
pub fn bf16_bits_to_f32(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// Encodes `x` as bf16 bits (RNE, overflow to ±inf); a NaN stays a quiet NaN with its sign.
pub fn f32_to_bf16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if x.is_nan() {
        return (bits >> 16) as u16 | 0x0040;
    }
    if x.is_infinite() {
        return sign | BF16_INF;
    }
    sign | BF16.round(x.abs()).min(u32::from(BF16_INF)) as u16
}

#[cfg(test)]
mod tests {
    use super::super::half_tables::*;
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn f16_decodes_all_65536_codes_like_numpy() {
        let mut hasher = Sha256::new();
        for code in 0..=u16::MAX {
            hasher.update(f16_bits_to_f32(code).to_bits().to_le_bytes());
        }
        assert_eq!(format!("{:x}", hasher.finalize()), F16_DECODE_SHA256);
    }

    #[test]
    fn f16_decodes_sample_codes_like_numpy() {
        // Spot values make a digest mismatch easy to diagnose.
        for &(code, want) in F16_DECODE_SPOT {
            let got = f16_bits_to_f32(code).to_bits();
            assert_eq!(got, want, "code {code:#06x}: {got:#010x} != {want:#010x}");
        }
    }

    #[test]
    fn f16_encodes_tricky_inputs_like_numpy() {
        for &(bits, want) in F16_ENCODE {
            let x = f32::from_bits(bits);
            assert_eq!(f32_to_f16_bits(x), want, "{x:e} ({bits:#010x})");
        }
    }

    #[test]
    fn bf16_encodes_tricky_inputs_like_ml_dtypes() {
        for &(bits, want) in BF16_ENCODE {
            let x = f32::from_bits(bits);
            assert_eq!(f32_to_bf16_bits(x), want, "{x:e} ({bits:#010x})");
        }
    }

    #[test]
    fn f16_rounds_every_midpoint_to_even() {
        // Decoding is checked against numpy above; midpoints of fp16 codes are exact in f32.
        for lo in 0..0x7BFFu16 {
            let hi = lo + 1;
            let mid =
                ((f64::from(f16_bits_to_f32(lo)) + f64::from(f16_bits_to_f32(hi))) / 2.0) as f32;
            let even = if lo % 2 == 0 { lo } else { hi };
            assert_eq!(f32_to_f16_bits(mid), even, "midpoint of {lo:#06x}");
            assert_eq!(f32_to_f16_bits(f32::from_bits(mid.to_bits() - 1)), lo);
            assert_eq!(f32_to_f16_bits(f32::from_bits(mid.to_bits() + 1)), hi);
        }
    }

    #[test]
    fn every_non_nan_code_round_trips() {
        for code in 0..=u16::MAX {
            let x = f16_bits_to_f32(code);
            if !x.is_nan() {
                assert_eq!(f32_to_f16_bits(x), code, "f16 {code:#06x}");
            }
            let y = bf16_bits_to_f32(code);
            if !y.is_nan() {
                assert_eq!(f32_to_bf16_bits(y), code, "bf16 {code:#06x}");
            }
        }
    }

    #[test]
    fn overflow_goes_to_infinity() {
        // fp16: 65504 is the largest finite value; 65520 is halfway to 2^16 and ties up to inf.
        assert_eq!(f32_to_f16_bits(65504.0), 0x7BFF);
        assert_eq!(f32_to_f16_bits(65519.996), 0x7BFF);
        assert_eq!(f32_to_f16_bits(65520.0), 0x7C00);
        assert_eq!(f32_to_f16_bits(-1e9), 0xFC00);
        assert_eq!(f32_to_bf16_bits(f32::MAX), 0x7F80);
        assert_eq!(f16_bits_to_f32(0x7C00), f32::INFINITY);
        assert_eq!(bf16_bits_to_f32(0xFF80), f32::NEG_INFINITY);
    }

    #[test]
    fn nan_stays_nan_with_its_sign() {
        assert_eq!(f32_to_f16_bits(f32::NAN), 0x7E00);
        assert_eq!(f32_to_f16_bits(-f32::NAN), 0xFE00);
        assert_eq!(f32_to_bf16_bits(f32::NAN), 0x7FC0);
        assert_eq!(f32_to_bf16_bits(-f32::NAN), 0xFFC0);
        // A signalling f32 NaN whose payload is below fp16's mantissa still encodes as NaN.
        let snan = f32::from_bits(0x7F80_0001);
        assert!(f16_bits_to_f32(f32_to_f16_bits(snan)).is_nan());
        assert!(bf16_bits_to_f32(f32_to_bf16_bits(snan)).is_nan());
    }

    #[test]
    fn bf16_decodes_by_hand() {
        // 0x3F80 = 1.0, 0xC000 = -2.0, 0x0001 = smallest subnormal 2^-133, 0x4049 ≈ 3.140625.
        assert_eq!(bf16_bits_to_f32(0x3F80), 1.0);
        assert_eq!(bf16_bits_to_f32(0xC000), -2.0);
        // (2^-133 is formed in f64: f32 powi would overflow computing 2^133.)
        assert_eq!(bf16_bits_to_f32(0x0001), 2f64.powi(-133) as f32);
        assert_eq!(bf16_bits_to_f32(0x4049), 3.140625);
    }
}
