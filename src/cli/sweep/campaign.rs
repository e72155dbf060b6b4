//! Campaign files (`evotune sweep --campaign FILE`): the problems of a sweep, each with its own
//! budget and `--set` overrides, in TOML; a problem is an SDPA `shape` or a `gemm`, and every
//! problem of a file is of one operation.

use super::grid::renamed;
use crate::error::{Error, Result};
use crate::op::{Gemm, ProblemSpec};
use crate::shape::Shape;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    budget: Option<usize>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default, rename = "problem")]
    problems: Vec<RawProblem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProblem {
    shape: Option<String>,
    gemm: Option<String>,
    budget: Option<usize>,
    #[serde(default)]
    set: Vec<String>,
}

/// One problem of a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignProblem {
    /// Its problem.
    pub problem: ProblemSpec,
    /// Its own budget, when it sets one.
    pub budget: Option<usize>,
    /// Its own overrides, laid over the campaign's.
    pub set: Vec<String>,
}

/// A campaign file, read and checked (shapes parsed, each listed once).
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// The budget of problems that set none.
    pub budget: Option<usize>,
    /// Overrides of every problem, laid over `--set`.
    pub set: Vec<String>,
    /// The problems, in file order.
    pub problems: Vec<CampaignProblem>,
}

/// Reads the campaign at `path`; errors name `--campaign` and the file.
pub fn load(path: &Path) -> Result<Campaign> {
    let fail = |m: String| Error::flag("--campaign", format!("{}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    parse(&text).map_err(fail)
}

/// Parses campaign `text`; the message says which problem is wrong.
pub fn parse(text: &str) -> std::result::Result<Campaign, String> {
    let raw: RawCampaign = toml::from_str(text).map_err(|e| e.to_string())?;
    if raw.problems.is_empty() {
        return Err(
            "lists no [[problem]] (each needs shape = \"B,H,S,D\" or gemm = \"M,N,K\")".into(),
        );
    }
    let mut problems: Vec<CampaignProblem> = Vec::new();
    for (i, p) in raw.problems.into_iter().enumerate() {
        let problem = problem_of(&p).map_err(|m| format!("problem {}{m}", i + 1))?;
        let at = |m: &str| format!("problem {} ({problem}): {m}", i + 1);
        if p.budget == Some(0) {
            return Err(at("budget must be at least 1"));
        }
        if problems.iter().any(|q| q.problem == problem) {
            return Err(at("this problem is listed twice"));
        }
        if let Some(first) = problems
            .first()
            .filter(|q| q.problem.operation() != problem.operation())
        {
            return Err(at(&format!(
                "a campaign's problems are of one operation, and problem 1 is a {} {}",
                first.problem.operation().noun(),
                first.problem
            )));
        }
        problems.push(CampaignProblem {
            problem,
            budget: p.budget,
            set: p.set,
        });
    }
    if raw.budget == Some(0) {
        return Err("budget must be at least 1".into());
    }
    Ok(Campaign {
        budget: raw.budget,
        set: raw.set,
        problems,
    })
}

/// The problem of a `[[problem]]` table: its `shape` or its `gemm`, exactly one of them; the
/// message goes after "problem N".
fn problem_of(p: &RawProblem) -> std::result::Result<ProblemSpec, String> {
    let text = |t: &str, e: Error| format!(" ({t}): {e}");
    match (&p.shape, &p.gemm) {
        (Some(t), None) => Shape::parse(t)
            .map(ProblemSpec::from)
            .map_err(|e| text(t, renamed(e, "shape"))),
        (None, Some(t)) => t
            .parse::<Gemm>()
            .map(ProblemSpec::from)
            .map_err(|e| text(t, renamed(e, "gemm"))),
        _ => Err(": needs shape = \"B,H,S,D\" or gemm = \"M,N,K\", one of the two".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMPAIGN: &str = r#"
budget = 64
set = ["FAMILY=wgmma"]

[[problem]]
shape = "2,8,512,64"
budget = 128
set = ["BLOCK_N=128,192"]

[[problem]]
shape = "4,32,2048,128"
"#;

    #[test]
    fn a_campaign_gives_each_problem_its_budget_and_overrides() {
        let c = parse(CAMPAIGN).unwrap();
        assert_eq!(c.budget, Some(64));
        assert_eq!(c.set, vec!["FAMILY=wgmma"]);
        assert_eq!(c.problems.len(), 2);
        assert_eq!(c.problems[0].problem.to_string(), "2,8,512,64");
        assert_eq!(c.problems[0].budget, Some(128));
        assert_eq!(c.problems[0].set, vec!["BLOCK_N=128,192"]);
        assert_eq!(c.problems[1].budget, None);
    }

    #[test]
    fn a_bad_campaign_says_which_problem_is_wrong() {
        let err = |t: &str| parse(t).unwrap_err();
        assert!(err("budget = 3").contains("lists no [[problem]]"));
        assert!(err("[[problem]]\nshape = \"2,8,512\"")
            .starts_with("problem 1 (2,8,512): shape expects B,H,S,D as four positive integers"));
        let twice = "[[problem]]\nshape = \"1,1,64,64\"\n[[problem]]\nshape = \"1,1,64,64\"";
        assert!(err(twice).contains("problem 2 (1,1,64,64): this problem is listed twice"));
        assert!(err("[[problem]]\nshape = \"1,1,64,64\"\nbudget = 0").contains("budget must be"));
        assert!(err("[[problem]]\nshape = \"1,1,64,64\"\nbudgte = 3").contains("unknown field"));
    }

    #[test]
    fn a_campaign_of_gemms_reads_and_mixing_operations_is_refused() {
        let c = parse("budget = 8\n[[problem]]\ngemm = \"4096,4096,128\"\n[[problem]]\ngemm = \"64,64,64\"\nbudget = 4").unwrap();
        assert_eq!(c.problems.len(), 2);
        assert_eq!(c.problems[0].problem.gemm().map(|g| g.k), Some(128));
        assert_eq!(c.problems[1].budget, Some(4));
        let err = |t: &str| parse(t).unwrap_err();
        let mixed = "[[problem]]\nshape = \"1,1,64,64\"\n[[problem]]\ngemm = \"64,64,64\"";
        assert_eq!(
            err(mixed),
            "problem 2 (64,64,64): a campaign's problems are of one operation, and problem 1 is \
             a shape 1,1,64,64"
        );
        let both = "[[problem]]\nshape = \"1,1,64,64\"\ngemm = \"64,64,64\"";
        assert!(
            err(both).starts_with("problem 1: needs shape"),
            "{}",
            err(both)
        );
        assert!(err("[[problem]]\nbudget = 3").starts_with("problem 1: needs shape"));
        let bad = err("[[problem]]\ngemm = \"64,64\"");
        assert!(
            bad.starts_with("problem 1 (64,64): gemm expects M,N,K"),
            "{bad}"
        );
    }
}
