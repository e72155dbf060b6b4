//! Tests of a verdict's failure reason and of poisoned fp16 buffers as the GPU path reads them.

use super::*;

fn check_bits_f16(bits: &[u16], reference: &[f64], tolerance: Tolerance) -> Verdict {
    check_bits(bits, HalfFormat::F16, reference, tolerance)
}

use crate::numerics::f32_to_f16_bits;

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
    let v = check_bits_f16(&out, &reference, TOL);
    assert!(!v.passes());
    assert_eq!(
        (v.figures.unwritten, v.figures.nan_count, v.outside),
        (8, 0, 0)
    );
    let reason = v.failure_reason();
    assert!(
        reason.starts_with("8 of 64 elements unwritten (still poison);"),
        "{reason}"
    );
    assert!(!reason.contains("NaN"), "{reason}");
    // Fully written: passes, and no reason.
    let v = check_bits_f16(&good, &reference, TOL);
    assert!(v.passes() && v.failure_reason().is_empty());
}

#[test]
fn a_buffer_never_written_is_all_unwritten() {
    let (reference, _) = exact(10);
    let v = check_bits_f16(&[POISON_F16; 10], &reference, TOL);
    assert_eq!(v.figures.unwritten, 10);
    assert!(v
        .failure_reason()
        .starts_with("10 of 10 elements unwritten"));
}

#[test]
fn nan_inf_and_outside_are_each_named_with_figures() {
    let (reference, mut out) = exact(16);
    out[0] = 0x7E00; // NaN, not the poison
    out[1] = 0x7C00; // +inf
    out[2] = f32_to_f16_bits(reference[2] as f32 + 0.5); // 0.5 off: outside 0.03 + 0.0625·0.375
    let reason = check_bits_f16(&out, &reference, TOL).failure_reason();
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
