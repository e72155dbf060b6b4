//! The attention problems of a sweep given on the command line: listed shapes and the
//! cartesian product of four lists (`--batch`, `--heads`, `--seq-lens`, `--head-dims`), each of numbers and
//! ranges (`A..B:STEP` arithmetic, `A..B*F` geometric, both up to B inclusive).

use crate::error::{Error, Result};
use crate::op::ProblemSpec;
use crate::shape::Shape;

/// The most values one range may give (a typo such as `1..100000:1` is refused, not tuned).
const MAX_RANGE_VALUES: usize = 4096;

/// Parses a list such as `1,2,4`, `64..160:16` or `512..8192*2,12288`; the message says what
/// was wrong (the caller names the flag).
pub fn parse_list(text: &str) -> std::result::Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let values = match item.split_once("..") {
            Some((start, rest)) => range(item, start, rest)?,
            None => vec![number(item, item)?],
        };
        for v in values {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    if out.is_empty() {
        return Err(format!(
            "expects numbers or ranges (e.g. 64..160:16), got '{text}'"
        ));
    }
    Ok(out)
}

fn number(item: &str, text: &str) -> std::result::Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{item}': '{text}' is not a positive integer")),
    }
}

fn range(item: &str, start: &str, rest: &str) -> std::result::Result<Vec<usize>, String> {
    let start = number(item, start)?;
    let (end, step, geometric) = if let Some((end, step)) = rest.split_once(':') {
        (number(item, end)?, number(item, step)?, false)
    } else if let Some((end, factor)) = rest.split_once('*') {
        (number(item, end)?, number(item, factor)?, true)
    } else {
        return Err(format!(
            "'{item}': a range needs a step, A..B:STEP (arithmetic) or A..B*F (geometric)"
        ));
    };
    if end < start || (geometric && step < 2) {
        return Err(format!(
            "'{item}': needs A ≤ B{}",
            if geometric {
                " and a factor of at least 2"
            } else {
                ""
            }
        ));
    }
    let mut values = vec![start];
    while let Some(&last) = values.last() {
        let next = if geometric { last * step } else { last + step };
        if next > end {
            break;
        }
        if values.len() == MAX_RANGE_VALUES {
            return Err(format!(
                "'{item}' gives more than {MAX_RANGE_VALUES} values"
            ));
        }
        values.push(next);
    }
    Ok(values)
}

/// The four lists of the product, as given.
#[derive(Debug, Default, Clone)]
pub struct GridFlags<'a> {
    /// `--batch`.
    pub batch: Option<&'a str>,
    /// `--heads`.
    pub heads: Option<&'a str>,
    /// `--seq-lens`.
    pub seq_lens: Option<&'a str>,
    /// `--head-dims`.
    pub head_dims: Option<&'a str>,
}

/// Listed shapes, then the product (B slowest, D fastest); each shape once, in that order.
pub fn shapes(listed: &[String], grid: &GridFlags) -> Result<Vec<Shape>> {
    let mut out: Vec<Shape> = Vec::new();
    for text in listed {
        out.push(Shape::parse(text).map_err(|e| renamed(e, "--shapes"))?);
    }
    out.extend(product(grid)?);
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.to_string()));
    Ok(out)
}

/// The lists of a product's `flags`, parsed; `None` when none is given. A flag left out while
/// others are given is an error naming it, with `needs` (what the product needs).
pub fn product_lists(
    flags: &[(&'static str, Option<&str>)],
    needs: &str,
) -> Result<Option<Vec<Vec<usize>>>> {
    if flags.iter().all(|(_, v)| v.is_none()) {
        return Ok(None);
    }
    let mut lists = Vec::new();
    for &(flag, value) in flags {
        let text = value.ok_or_else(|| Error::flag(flag, format!("is missing: {needs}")))?;
        lists.push(parse_list(text).map_err(|e| Error::flag(flag, e))?);
    }
    Ok(Some(lists))
}

fn product(grid: &GridFlags) -> Result<Vec<Shape>> {
    let flags = [
        ("--batch", grid.batch),
        ("--heads", grid.heads),
        ("--seq-lens", grid.seq_lens),
        ("--head-dims", grid.head_dims),
    ];
    let needs = "a product of shapes needs --batch, --heads, --seq-lens and --head-dims";
    let Some(lists) = product_lists(&flags, needs)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for &b in &lists[0] {
        for &h in &lists[1] {
            for &s in &lists[2] {
                for &d in &lists[3] {
                    let text = format!("{b},{h},{s},{d}");
                    out.push(Shape::parse(&text).map_err(|e| renamed(e, "--head-dims"))?);
                }
            }
        }
    }
    Ok(out)
}

/// A shape error, named as the flag the sweep took the shape from.
pub fn renamed(e: Error, flag: &'static str) -> Error {
    match e {
        Error::BadInput { message, .. } => Error::flag(flag, message),
        other => other,
    }
}

/// The name of a problem's run folder and replay log: `B-H-S-D` (a GEMM's `M-N-K`).
pub fn problem_name(problem: &ProblemSpec) -> String {
    problem.to_string().replace(',', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_take_numbers_and_both_kinds_of_range() {
        assert_eq!(parse_list("1,2,4").unwrap(), vec![1, 2, 4]);
        assert_eq!(
            parse_list("64..160:16").unwrap(),
            vec![64, 80, 96, 112, 128, 144, 160]
        );
        assert_eq!(
            parse_list("64..150:16").unwrap(),
            vec![64, 80, 96, 112, 128, 144]
        );
        assert_eq!(
            parse_list("512..4096*2").unwrap(),
            vec![512, 1024, 2048, 4096]
        );
        assert_eq!(parse_list("8, 1..4:1, 2").unwrap(), vec![8, 1, 2, 3, 4]);
    }

    #[test]
    fn bad_lists_say_what_is_wrong() {
        assert!(parse_list("")
            .unwrap_err()
            .contains("expects numbers or ranges"));
        assert!(parse_list("64..160")
            .unwrap_err()
            .contains("a range needs a step"));
        assert!(parse_list("160..64:16")
            .unwrap_err()
            .contains("needs A ≤ B"));
        assert!(parse_list("1..8*1")
            .unwrap_err()
            .contains("factor of at least 2"));
        assert!(parse_list("0,2")
            .unwrap_err()
            .contains("'0' is not a positive integer"));
        assert!(parse_list("1..100000:1")
            .unwrap_err()
            .contains("more than 4096"));
    }

    #[test]
    fn the_product_runs_b_slowest_and_d_fastest_after_the_listed_shapes() {
        let grid = GridFlags {
            batch: Some("1,2"),
            heads: Some("8"),
            seq_lens: Some("512"),
            head_dims: Some("64..96:32"),
        };
        let got: Vec<String> = shapes(&["2,8,512,64".into()], &grid)
            .unwrap()
            .iter()
            .map(|s| problem_name(&s.into()))
            .collect();
        assert_eq!(
            got,
            ["2-8-512-64", "1-8-512-64", "1-8-512-96", "2-8-512-96"]
        );
    }

    #[test]
    fn a_partial_product_names_the_missing_flag() {
        let grid = GridFlags {
            head_dims: Some("64"),
            ..GridFlags::default()
        };
        let err = shapes(&[], &grid).unwrap_err().to_string();
        assert!(err.starts_with("--batch is missing"), "{err}");
        let bad = shapes(&["2,8,512".into()], &GridFlags::default()).unwrap_err();
        assert!(
            bad.to_string().starts_with("--shapes expects B,H,S,D"),
            "{bad}"
        );
    }
}
