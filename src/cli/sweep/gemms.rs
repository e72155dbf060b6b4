//! The GEMM problems of a sweep given on the command line: listed (`--gemms M,N,K ...`) and the
//! cartesian product of three lists (`--m`, `--n`, `--k`), each taking numbers and ranges as
//! `--seq-lens` does (e.g. `--k 64..128:1,130..160:2`).

use super::grid::{product_lists, renamed};
use crate::error::Result;
use crate::op::Gemm;

/// The GEMM flags, as given.
#[derive(Debug, Default, Clone)]
pub struct GemmFlags<'a> {
    /// `--gemms`.
    pub listed: &'a [String],
    /// `--m`.
    pub m: Option<&'a str>,
    /// `--n`.
    pub n: Option<&'a str>,
    /// `--k`.
    pub k: Option<&'a str>,
}

/// Listed GEMMs, then the product (M slowest, K fastest); each problem once, in that order.
pub fn gemms(flags: &GemmFlags) -> Result<Vec<Gemm>> {
    let mut out: Vec<Gemm> = Vec::new();
    for text in flags.listed {
        out.push(text.parse().map_err(|e| renamed(e, "--gemms"))?);
    }
    out.extend(product(flags)?);
    let mut seen = std::collections::HashSet::new();
    out.retain(|g| seen.insert(*g));
    Ok(out)
}

fn product(flags: &GemmFlags) -> Result<Vec<Gemm>> {
    let given = [("--m", flags.m), ("--n", flags.n), ("--k", flags.k)];
    let needs = "a product of GEMMs needs --m, --n and --k";
    let Some(lists) = product_lists(&given, needs)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for &m in &lists[0] {
        for &n in &lists[1] {
            for &k in &lists[2] {
                out.push(Gemm::new(m, n, k).map_err(|e| renamed(e, "--m/--n/--k"))?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(g: &[Gemm]) -> Vec<String> {
        g.iter().map(Gemm::to_string).collect()
    }

    #[test]
    fn listed_gemms_come_first_then_the_product_with_k_fastest() {
        let listed = ["4096,4096,128".to_string(), "64,64,64".to_string()];
        let flags = GemmFlags {
            listed: &listed,
            m: Some("64"),
            n: Some("64,128"),
            k: Some("64..66:1,70..74:2"),
        };
        let got = texts(&gemms(&flags).unwrap());
        assert_eq!(
            got,
            [
                "4096,4096,128",
                "64,64,64",
                "64,64,65",
                "64,64,66",
                "64,64,70",
                "64,64,72",
                "64,64,74",
                "64,128,64",
                "64,128,65",
                "64,128,66",
                "64,128,70",
                "64,128,72",
                "64,128,74",
            ],
            "64,64,64 is listed and in the product: tuned once"
        );
    }

    #[test]
    fn bad_gemm_flags_are_named() {
        let err = |flags: GemmFlags| gemms(&flags).unwrap_err().to_string();
        let listed = ["64,64".to_string()];
        let e = err(GemmFlags {
            listed: &listed,
            ..GemmFlags::default()
        });
        assert!(e.starts_with("--gemms expects M,N,K"), "{e}");
        let e = err(GemmFlags {
            m: Some("64"),
            k: Some("64"),
            ..GemmFlags::default()
        });
        assert!(e.starts_with("--n is missing"), "{e}");
        let e = err(GemmFlags {
            m: Some("64"),
            n: Some("64"),
            k: Some("64..128"),
            ..GemmFlags::default()
        });
        assert!(
            e.starts_with("--k ") && e.contains("a range needs a step"),
            "{e}"
        );
    }
}
