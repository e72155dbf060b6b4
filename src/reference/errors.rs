//! Error figures of a kernel's output against the reference, and the tolerance verdict.

use crate::numerics::{bf16_bits_to_f32, f16_bits_to_f32};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Elements per chunk of the bit checks: large outputs are tallied on every core, chunk by chunk,
/// and the chunks' sums are added in order, so the figures do not depend on the thread count.
const CHUNK: usize = 1 << 16;

/// fp16 pattern written over the output before each run: a quiet NaN (quiet bit 0x200, payload
/// 0x7F) that arithmetic never yields, since NaNs from the GPU are canonical (0x7FFF) and host
/// conversions of the canonical f32 NaN give 0x7E00. An element still holding it was not written.
/// Set with a 16-bit memset (`cuMemsetD16`).
pub const POISON_F16: u16 = 0x7E7F;

/// bf16 counterpart of [`POISON_F16`]: a quiet NaN (quiet bit 0x40, payload 0x1F) that is neither
/// the GPU's canonical 0x7FFF nor 0x7FC0, the truncated canonical f32 NaN.
pub const POISON_BF16: u16 = 0x7FDF;

/// The 16-bit float format of a kernel's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HalfFormat {
    /// IEEE binary16.
    F16,
    /// bfloat16.
    Bf16,
}

impl HalfFormat {
    /// The poison pattern for this format.
    pub fn poison(self) -> u16 {
        match self {
            HalfFormat::F16 => POISON_F16,
            HalfFormat::Bf16 => POISON_BF16,
        }
    }

    /// The f32 value of `bits` in this format.
    pub fn to_f32(self, bits: u16) -> f32 {
        match self {
            HalfFormat::F16 => f16_bits_to_f32(bits),
            HalfFormat::Bf16 => bf16_bits_to_f32(bits),
        }
    }
}

/// How far an output is from the reference.
///
/// `max_abs`, `mean_abs` and `rel_l2` are taken over the finite written elements only; the others
/// are counted apart. `rel_l2` is ‖out − ref‖₂ / ‖ref‖₂, or ‖out − ref‖₂ where the reference of
/// those elements is all zeros.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorFigures {
    /// Largest |out − ref|.
    pub max_abs: f64,
    /// Mean |out − ref|.
    pub mean_abs: f64,
    /// Relative L2 error.
    pub rel_l2: f64,
    /// Written elements that are NaN.
    pub nan_count: usize,
    /// Elements that are ±infinity.
    pub inf_count: usize,
    /// Elements that still hold the poison pattern.
    pub unwritten: usize,
    /// All elements.
    pub elements: usize,
}

/// Per-element tolerance: |out − ref| ≤ atol + rtol·|ref|.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Absolute part.
    pub atol: f64,
    /// Relative part, times |ref|.
    pub rtol: f64,
}

impl Tolerance {
    /// Whether `out` is within tolerance of `reference` (false when either is NaN).
    pub fn allows(&self, out: f64, reference: f64) -> bool {
        (out - reference).abs() <= self.atol + self.rtol * reference.abs()
    }
}

/// The figures of one output plus how many finite written elements fall outside a tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Error figures.
    pub figures: ErrorFigures,
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// Finite written elements outside the tolerance.
    pub outside: usize,
}

impl Verdict {
    /// Passes iff no element is NaN, infinite, unwritten or outside the tolerance.
    pub fn passes(&self) -> bool {
        let f = &self.figures;
        f.nan_count == 0 && f.inf_count == 0 && f.unwritten == 0 && self.outside == 0
    }

    /// Why it fails, with figures, in one line (empty when it passes).
    pub fn failure_reason(&self) -> String {
        let v = self;
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
}

/// Error figures of `out` (f32 values; `unwritten[i]` marks poison still in place) against `reference`.
///
/// # Panics
/// If the three slices differ in length.
pub fn figures(out: &[f32], unwritten: &[bool], reference: &[f64]) -> ErrorFigures {
    tally(out, unwritten, reference, None).finish(out.len())
}

/// [`figures`] plus the count of elements outside `tolerance`.
///
/// # Panics
/// If the three slices differ in length.
pub fn check(out: &[f32], unwritten: &[bool], reference: &[f64], tolerance: Tolerance) -> Verdict {
    tally(out, unwritten, reference, Some(tolerance)).verdict(out.len(), tolerance)
}

/// Error figures of raw fp16 output bits; elements equal to [`POISON_F16`] count as unwritten.
///
/// # Panics
/// If the two slices differ in length.
pub fn figures_from_f16_bits(out: &[u16], reference: &[f64]) -> ErrorFigures {
    tally_bits(out, HalfFormat::F16, reference, None).finish(out.len())
}

/// [`check`] on raw output bits of `format`; elements equal to its poison count as unwritten.
///
/// # Panics
/// If the two slices differ in length.
pub fn check_bits(
    out: &[u16],
    format: HalfFormat,
    reference: &[f64],
    tolerance: Tolerance,
) -> Verdict {
    tally_bits(out, format, reference, Some(tolerance)).verdict(out.len(), tolerance)
}

/// [`tally`] of raw bits, in chunks of [`CHUNK`] on every core (no decoded copy of the output).
fn tally_bits(
    out: &[u16],
    format: HalfFormat,
    reference: &[f64],
    tolerance: Option<Tolerance>,
) -> Tally {
    assert!(
        out.len() == reference.len(),
        "output ({}) and reference ({}) differ in length",
        out.len(),
        reference.len()
    );
    let chunks: Vec<Tally> = out
        .par_chunks(CHUNK)
        .zip(reference.par_chunks(CHUNK))
        .map(|(out, reference)| {
            let mut t = Tally::default();
            for (&bits, &r) in out.iter().zip(reference) {
                t.add(format.to_f32(bits), bits == format.poison(), r, tolerance);
            }
            t
        })
        .collect();
    chunks.into_iter().fold(Tally::default(), Tally::merge)
}

/// Running sums of one pass over the output.
#[derive(Debug, Default)]
struct Tally {
    max_abs: f64,
    sum_abs: f64,
    sum_sq_diff: f64,
    sum_sq_ref: f64,
    finite: usize,
    nan: usize,
    inf: usize,
    unwritten: usize,
    outside: usize,
}

/// One pass over the elements, counting those outside `tolerance` when one is given.
fn tally(
    out: &[f32],
    unwritten: &[bool],
    reference: &[f64],
    tolerance: Option<Tolerance>,
) -> Tally {
    assert!(
        out.len() == unwritten.len() && out.len() == reference.len(),
        "output ({}), poison flags ({}) and reference ({}) differ in length",
        out.len(),
        unwritten.len(),
        reference.len()
    );
    let mut t = Tally::default();
    for ((&o, &poisoned), &r) in out.iter().zip(unwritten).zip(reference) {
        t.add(o, poisoned, r, tolerance);
    }
    t
}

impl Tally {
    /// Adds one element: unwritten (still poison), NaN, infinite or finite.
    fn add(&mut self, out: f32, poisoned: bool, reference: f64, tolerance: Option<Tolerance>) {
        if poisoned {
            self.unwritten += 1;
        } else if out.is_nan() {
            self.nan += 1;
        } else if out.is_infinite() {
            self.inf += 1;
        } else {
            self.add_finite(f64::from(out), reference, tolerance);
        }
    }

    /// The tally of both parts, `self` first.
    fn merge(self, other: Tally) -> Tally {
        Tally {
            max_abs: self.max_abs.max(other.max_abs),
            sum_abs: self.sum_abs + other.sum_abs,
            sum_sq_diff: self.sum_sq_diff + other.sum_sq_diff,
            sum_sq_ref: self.sum_sq_ref + other.sum_sq_ref,
            finite: self.finite + other.finite,
            nan: self.nan + other.nan,
            inf: self.inf + other.inf,
            unwritten: self.unwritten + other.unwritten,
            outside: self.outside + other.outside,
        }
    }

    /// Adds one finite written element.
    fn add_finite(&mut self, out: f64, reference: f64, tolerance: Option<Tolerance>) {
        let diff = (out - reference).abs();
        self.max_abs = self.max_abs.max(diff);
        self.sum_abs += diff;
        self.sum_sq_diff += diff * diff;
        self.sum_sq_ref += reference * reference;
        self.finite += 1;
        if tolerance.is_some_and(|tol| !tol.allows(out, reference)) {
            self.outside += 1;
        }
    }

    /// The verdict for `elements` elements in all under `tolerance` (the tally's own).
    fn verdict(&self, elements: usize, tolerance: Tolerance) -> Verdict {
        Verdict {
            figures: self.finish(elements),
            tolerance,
            outside: self.outside,
        }
    }

    /// The figures for `elements` elements in all.
    fn finish(&self, elements: usize) -> ErrorFigures {
        let norm_diff = self.sum_sq_diff.sqrt();
        let norm_ref = self.sum_sq_ref.sqrt();
        ErrorFigures {
            max_abs: self.max_abs,
            mean_abs: if self.finite == 0 {
                0.0
            } else {
                self.sum_abs / self.finite as f64
            },
            rel_l2: if norm_ref > 0.0 {
                norm_diff / norm_ref
            } else {
                norm_diff
            },
            nan_count: self.nan,
            inf_count: self.inf,
            unwritten: self.unwritten,
            elements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::{f32_to_bf16_bits, f32_to_f16_bits};

    const TOL: Tolerance = Tolerance {
        atol: 1e-3,
        rtol: 1e-2,
    };

    /// A reference and its fp16 encoding (values exact in fp16, so the error is 0).
    fn exact_case() -> (Vec<f64>, Vec<u16>) {
        let reference = vec![1.0, -2.5, 0.125, 0.0, 3.0, -0.75];
        let bits = reference
            .iter()
            .map(|&r| f32_to_f16_bits(r as f32))
            .collect();
        (reference, bits)
    }

    #[test]
    fn poison_patterns_are_nans_no_conversion_yields() {
        assert!(f16_bits_to_f32(POISON_F16).is_nan());
        assert!(bf16_bits_to_f32(POISON_BF16).is_nan());
        for nan in [f32::NAN, -f32::NAN, f32::from_bits(0x7FFF_FFFF)] {
            assert_ne!(f32_to_f16_bits(nan), POISON_F16);
            assert_ne!(f32_to_bf16_bits(nan), POISON_BF16);
        }
    }

    #[test]
    fn exact_output_has_zero_error_and_passes() {
        let (reference, bits) = exact_case();
        let v = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        assert!(v.passes(), "{v:?}");
        assert_eq!(v.figures, figures_from_f16_bits(&bits, &reference));
        let f = v.figures;
        assert_eq!((f.max_abs, f.mean_abs, f.rel_l2), (0.0, 0.0, 0.0));
        assert_eq!(f.elements, 6);
    }

    #[test]
    fn figures_by_hand() {
        // out − ref = (0.5, 0, −1.5, 0); ‖ref‖₂ = √(1 + 4 + 4 + 0) = 3; ‖diff‖₂ = √2.5.
        let reference = [1.0, 2.0, -2.0, 0.0];
        let out = [1.5, 2.0, -3.5, 0.0];
        let f = figures(&out, &[false; 4], &reference);
        assert_eq!(f.max_abs, 1.5);
        assert_eq!(f.mean_abs, 0.5);
        assert!(
            (f.rel_l2 - 2.5f64.sqrt() / 3.0).abs() < 1e-15,
            "{}",
            f.rel_l2
        );
    }

    #[test]
    fn tiny_perturbation_passes() {
        // One fp16 ulp above each value: 2^-10 relative at most, under rtol = 1e-2.
        let (reference, bits) = exact_case();
        let nudged: Vec<u16> = bits.iter().map(|&b| b + 1).collect();
        let v = check_bits(&nudged, HalfFormat::F16, &reference, TOL);
        assert!(v.passes(), "{v:?}");
        assert!(v.figures.max_abs > 0.0);
    }

    #[test]
    fn unwritten_element_is_caught_and_not_counted_as_nan() {
        let (reference, mut bits) = exact_case();
        bits[2] = POISON_F16;
        let v = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        assert!(!v.passes());
        assert_eq!((v.figures.unwritten, v.figures.nan_count), (1, 0));
        assert_eq!(
            v.figures.max_abs, 0.0,
            "the poisoned element is left out of the figures"
        );
    }

    #[test]
    fn bf16_poison_is_caught() {
        let reference = [1.0, 2.0];
        let bits = [f32_to_bf16_bits(1.0), POISON_BF16];
        let v = check_bits(&bits, HalfFormat::Bf16, &reference, TOL);
        assert!(!v.passes());
        assert_eq!((v.figures.unwritten, v.figures.nan_count), (1, 0));
    }

    #[test]
    fn nan_and_inf_fail() {
        let (reference, mut bits) = exact_case();
        bits[0] = 0x7E00; // a NaN other than the poison
        bits[1] = 0xFC00; // −inf
        let v = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        assert!(!v.passes());
        let f = v.figures;
        assert_eq!(
            (f.nan_count, f.inf_count, f.unwritten, v.outside),
            (1, 1, 0, 0)
        );
    }

    #[test]
    fn one_element_outside_tolerance_fails() {
        // ref 3.0 allows |diff| ≤ 1e-3 + 3e-2 = 0.031; 3.0625 (exact in fp16) is 0.0625 off.
        let (reference, mut bits) = exact_case();
        bits[4] = f32_to_f16_bits(3.0625);
        let v = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        assert_eq!(v.outside, 1);
        assert!(!v.passes());
        assert_eq!(v.figures.max_abs, 0.0625);
    }

    #[test]
    fn tolerance_bound_is_inclusive_and_nan_is_outside() {
        let tol = Tolerance {
            atol: 0.5,
            rtol: 0.25,
        };
        // Bound at ref 2: 0.5 + 0.5 = 1.
        assert!(tol.allows(3.0, 2.0));
        assert!(!tol.allows(3.0001, 2.0));
        assert!(!tol.allows(f64::NAN, 2.0));
        assert!(!tol.allows(2.0, f64::NAN));
    }

    #[test]
    fn all_zero_reference_falls_back_to_the_absolute_norm() {
        // diff (3, 4): ‖diff‖₂ = 5.
        let f = figures(&[3.0, -4.0], &[false, false], &[0.0, 0.0]);
        assert_eq!(f.rel_l2, 5.0);
    }

    #[test]
    fn figures_survive_a_json_round_trip() {
        let (reference, bits) = exact_case();
        let v = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Verdict>(&text).unwrap(), v);
    }

    #[test]
    #[should_panic(expected = "differ in length")]
    fn length_mismatch_panics() {
        figures(&[1.0], &[false], &[1.0, 2.0]);
    }

    #[test]
    #[should_panic(expected = "differ in length")]
    fn length_mismatch_of_bits_panics() {
        check_bits(&[0x3C00], HalfFormat::F16, &[1.0, 2.0], TOL);
    }

    /// Over several chunks, with every kind of element in different chunks, the chunked bit
    /// check agrees with the element-by-element one: counts and max exactly, sums to rounding.
    #[test]
    fn the_chunked_bit_check_agrees_with_one_pass() {
        let n = 3 * CHUNK + 17;
        let reference: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 / 250.0 - 2.0)
            .collect();
        let mut bits: Vec<u16> = reference
            .iter()
            .enumerate()
            .map(|(i, &r)| f32_to_f16_bits((r + ((i % 13) as f64 - 6.0) * 1e-3) as f32))
            .collect();
        bits[5] = POISON_F16;
        bits[CHUNK + 3] = 0x7E00;
        bits[2 * CHUNK + 9] = 0xFC00;
        bits[n - 1] = f32_to_f16_bits(50.0);
        let values: Vec<f32> = bits.iter().map(|&b| f16_bits_to_f32(b)).collect();
        let unwritten: Vec<bool> = bits.iter().map(|&b| b == POISON_F16).collect();
        let one_pass = check(&values, &unwritten, &reference, TOL);
        let chunked = check_bits(&bits, HalfFormat::F16, &reference, TOL);
        let (a, b) = (one_pass.figures, chunked.figures);
        assert_eq!(
            (a.nan_count, a.inf_count, a.unwritten, a.elements, a.max_abs),
            (b.nan_count, b.inf_count, b.unwritten, b.elements, b.max_abs)
        );
        assert_eq!((a.nan_count, a.inf_count, a.unwritten), (1, 1, 1));
        assert_eq!(one_pass.outside, chunked.outside);
        assert!(chunked.outside > 1, "{chunked:?}");
        assert!(
            (a.mean_abs - b.mean_abs).abs() <= 1e-12 * a.mean_abs,
            "{a:?} {b:?}"
        );
        assert!(
            (a.rel_l2 - b.rel_l2).abs() <= 1e-12 * a.rel_l2,
            "{a:?} {b:?}"
        );
        assert_eq!(figures_from_f16_bits(&bits, &reference), b);
    }
}

#[cfg(test)]
mod verdict_tests;
