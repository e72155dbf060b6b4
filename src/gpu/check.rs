//! The verdict on one output: error figures against the reference, and a one-line reason when
//! it fails (unwritten elements, NaN/Inf, elements outside the tolerance).

use crate::reference::{
    check_bits, figures_from_f16_bits, ErrorFigures, HalfFormat, Tolerance, Verdict,
};

/// The verdict on fp16 output `bits` against `reference` (elements still holding the poison
/// pattern count as unwritten).
pub fn verdict(bits: &[u16], reference: &[f64], tolerance: Tolerance) -> Verdict {
    check_bits(bits, HalfFormat::F16, reference, tolerance)
}

/// Error figures only (no tolerance), e.g. against the full-precision reference.
pub fn figures(bits: &[u16], reference: &[f64]) -> ErrorFigures {
    figures_from_f16_bits(bits, reference)
}

/// Why `v` fails, in one line with its figures, e.g. "64 of 8192 elements unwritten (still
/// poison); 12 outside |out − ref| ≤ 0.03 + 0.0625·|ref|; max_abs 0.41, mean_abs 0.012,
/// rel_l2 0.083". Empty when it passes.
pub fn failure_reason(v: &Verdict) -> String {
    if v.passes() {
        return String::new();
    }
    let f = &v.figures;
    let mut parts = Vec::new();
    if f.unwritten > 0 {
        parts.push(format!(
            "{} of {} elements unwritten (still poison)",
            f.unwritten, f.elements
        ));
    }
    if f.nan_count > 0 {
        parts.push(format!("{} NaN", f.nan_count));
    }
    if f.inf_count > 0 {
        parts.push(format!("{} infinite", f.inf_count));
    }
    if v.outside > 0 {
        parts.push(format!(
            "{} of {} outside |out − ref| ≤ {} + {}·|ref|",
            v.outside, f.elements, v.tolerance.atol, v.tolerance.rtol
        ));
    }
    format!(
        "{}; max_abs {:.3e}, mean_abs {:.3e}, rel_l2 {:.3e} (finite written elements)",
        parts.join("; "),
        f.max_abs,
        f.mean_abs,
        f.rel_l2
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::f32_to_f16_bits;
    use crate::reference::POISON_F16;

    const TOL: Tolerance = Tolerance {
        atol: 0.03,
        rtol: 0.0625,
    };

    /// A reference whose values are exact in fp16, and its fp16 bits.
    fn exact(n: usize) -> (Vec<f64>, Vec<u16>) {
        let reference: Vec<f64> = (0..n).map(|i| (i as f64 - 8.0) / 16.0).collect();
        let bits = reference
            .iter()
            .map(|&r| f32_to_f16_bits(r as f32))
            .collect();
        (reference, bits)
    }

    /// The host side of poisoning: a buffer filled with the pattern and partly overwritten
    /// (as a kernel that skips elements leaves it) is caught, element for element.
    #[test]
    fn a_partly_written_poisoned_buffer_counts_the_unwritten_elements() {
        let (reference, good) = exact(64);
        let mut out = vec![POISON_F16; 64];
        for i in (0..64).filter(|i| i % 8 != 7) {
            out[i] = good[i];
        }
        let v = verdict(&out, &reference, TOL);
        assert!(!v.passes());
        assert_eq!(
            (v.figures.unwritten, v.figures.nan_count, v.outside),
            (8, 0, 0)
        );
        let reason = failure_reason(&v);
        assert!(
            reason.starts_with("8 of 64 elements unwritten (still poison);"),
            "{reason}"
        );
        assert!(!reason.contains("NaN"), "{reason}");
        // Fully written: passes, and no reason.
        let v = verdict(&good, &reference, TOL);
        assert!(v.passes() && failure_reason(&v).is_empty());
    }

    #[test]
    fn a_buffer_never_written_is_all_unwritten() {
        let (reference, _) = exact(10);
        let v = verdict(&[POISON_F16; 10], &reference, TOL);
        assert_eq!(v.figures.unwritten, 10);
        assert!(failure_reason(&v).starts_with("10 of 10 elements unwritten"));
    }

    #[test]
    fn nan_inf_and_outside_are_each_named_with_figures() {
        let (reference, mut out) = exact(16);
        out[0] = 0x7E00; // NaN, not the poison
        out[1] = 0x7C00; // +inf
        out[2] = f32_to_f16_bits(reference[2] as f32 + 0.5); // 0.5 off: outside 0.03 + 0.0625·0.375
        let reason = failure_reason(&verdict(&out, &reference, TOL));
        assert!(
            reason.contains("1 NaN") && reason.contains("1 infinite"),
            "{reason}"
        );
        assert!(
            reason.contains("1 of 16 outside |out − ref| ≤ 0.03 + 0.0625·|ref|"),
            "{reason}"
        );
        assert!(reason.contains("max_abs 5.000e-1"), "{reason}");
    }
}
