//! Exact decoding and round-to-nearest-even encoding shared by the binary formats narrower than f32.

/// A binary floating-point format with an implicit leading bit, by mantissa width and exponent bias.
///
/// A code *magnitude* is the code without its sign bit: exponent field above `man_bits` mantissa
/// bits. Special values (infinity, NaN) and what happens past the largest finite code are left to
/// each format.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Stored mantissa bits.
    pub man_bits: u32,
    /// Exponent bias.
    pub bias: i32,
}

impl Layout {
    /// The code magnitude nearest to the finite, non-negative `abs`, ties to even.
    ///
    /// The result may lie past the format's largest finite code; the caller saturates or overflows.
    pub fn round(self, abs: f32) -> u32 {
        // floor(log2(abs)) for a normal f32; f32 subnormals and zero fall below the clamp anyway.
        let exp = ((abs.to_bits() >> 23) & 0xFF) as i32 - 127;
        // Subnormal codes share the quantum of the smallest normal binade.
        let exp = exp.max(1 - self.bias);
        // Count quanta of 2^(exp - man_bits): exact in f64, since the scale is a power of two.
        let steps = (f64::from(abs) * pow2(self.man_bits as i32 - exp)).round_ties_even() as u32;
        // A normal value has 2^m <= steps <= 2^(m+1): adding steps to the field below carries into
        // the exponent when rounding reaches 2^(m+1). A subnormal has field 0 and code = steps.
        (((exp + self.bias - 1) as u32) << self.man_bits) + steps
    }

    /// The value of a finite code magnitude, exact.
    pub fn value(self, magnitude: u32) -> f64 {
        let field = (magnitude >> self.man_bits) as i32;
        let mantissa = magnitude & ((1 << self.man_bits) - 1);
        let m = self.man_bits as i32;
        if field == 0 {
            f64::from(mantissa) * pow2(1 - self.bias - m)
        } else {
            f64::from(mantissa + (1 << self.man_bits)) * pow2(field - self.bias - m)
        }
    }
}

/// 2^n as an f64, exact for -1022 <= n <= 1023.
fn pow2(n: i32) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E4M3's layout, whose values are worked out by hand below.
    const E4M3: Layout = Layout {
        man_bits: 3,
        bias: 7,
    };

    #[test]
    fn values_by_hand() {
        // Field 0: mantissa · 2^(1-7-3); field 7 (= bias): (8 + mantissa) · 2^(7-7-3).
        assert_eq!(E4M3.value(0x01), 2f64.powi(-9));
        assert_eq!(E4M3.value(0x07), 7.0 * 2f64.powi(-9));
        assert_eq!(E4M3.value(0x08), 2f64.powi(-6));
        assert_eq!(E4M3.value(0x38), 1.0);
        assert_eq!(E4M3.value(0x3B), 1.375);
        assert_eq!(E4M3.value(0x7E), 448.0);
    }

    #[test]
    fn rounding_by_hand() {
        // 1.0625 lies halfway between 1.0 (0x38, even) and 1.125 (0x39): ties to even.
        assert_eq!(E4M3.round(1.0625), 0x38);
        // 1.1875 lies halfway between 1.125 (0x39) and 1.25 (0x3A, even).
        assert_eq!(E4M3.round(1.1875), 0x3A);
        // 15.5 lies halfway between 15 (0x57) and 16 (0x58, even): the carry moves the exponent.
        assert_eq!(E4M3.round(15.5), 0x58);
        // 2^-10 is half the smallest subnormal 2^-9: ties to 0; a bit more rounds up.
        assert_eq!(E4M3.round(2f32.powi(-10)), 0x00);
        assert_eq!(E4M3.round(2f32.powi(-10) * 1.001), 0x01);
        // 7.5·2^-9 lies between the largest subnormal (0x07) and the smallest normal (0x08, even).
        assert_eq!(E4M3.round(7.5 * 2f32.powi(-9)), 0x08);
    }
}
